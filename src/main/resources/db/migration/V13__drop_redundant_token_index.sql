-- token_by_fingerprint (tenant, fingerprint) serves every query on the tenant alone too, so
-- token_by_tenant only cost an index insert per token: 10 to 15 % of PostgreSQL's CPU per single-row
-- token insert (bench/README.md). SchemaIndexesTest keeps such prefixes out.
DROP INDEX IF EXISTS token_by_tenant;
