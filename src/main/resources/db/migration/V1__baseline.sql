-- Baseline of the CardVault schema. Each capability (tokens, audit, keys) adds its own
-- versioned migration after this one; the service migrates at start-up (Flyway).
-- The service's own role is expected to own the schema but never to be a superuser.
SELECT 1;
