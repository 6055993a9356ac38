-- The cheapest durable reveal: select one row by primary key from the plain token-shaped table,
-- then a durable single-row INSERT into an audit-shaped table with only its primary key.
\set i random(1, :n)
BEGIN;
SELECT token, data_key_id, ciphertext FROM bench_plain_token WHERE token = 'pgbtok_' || :i;
INSERT INTO bench_plain_audit (seq, at, type, subject, tenant, token, purpose, outcome, source_ip, request_id, prev_hash, hash)
VALUES (nextval('bench_seq'), now(), 'DETOKENIZED', 'bench', 'bench', 'pgbtok_' || :i, 'RECURRING_BILLING', 'SUCCESS',
        '127.0.0.1', 'r', repeat('0', 64), md5(random()::text) || md5(random()::text));
COMMIT;
