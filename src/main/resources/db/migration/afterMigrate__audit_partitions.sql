-- Runs as the schema owner after every migration (every start that migrates): the audit trail's
-- monthly partitions exist for this month and the next three.
SELECT audit_ensure_partitions(3);
