-- The physical limit of a reveal: select one token row by primary key, then a durable audit INSERT.
\set i random(1, :n)
BEGIN;
SELECT token, data_key_id, ciphertext FROM token WHERE token = 'pgbtok_' || :i;
INSERT INTO audit_event (chain, chain_seq, at, type, subject, tenant, token, purpose, outcome, source_ip, request_id,
                         prev_hash, hash)
VALUES ('pgbench', nextval('bench_seq'), now(), 'DETOKENIZED', 'bench', 'bench', 'pgbtok_' || :i, 'RECURRING_BILLING',
        'SUCCESS', '127.0.0.1', 'r', repeat('0', 64), md5(random()::text) || md5(random()::text));
COMMIT;
