-- The cheapest durable tokenize: one single-row INSERT into a token-shaped table with only its
-- primary key (no secondary indexes, no triggers). :dk is an existing data key id.
INSERT INTO bench_plain_token (token, tenant, format, deterministic, fingerprint, brand, bin, last4, exp_month, exp_year,
                               data_key_id, ciphertext, metadata, expires_at)
VALUES ('pgb_' || md5(random()::text || clock_timestamp()::text), 'bench', 'RANDOM', false,
        decode(md5(random()::text) || md5(random()::text), 'hex'), 'VISA', '411111', '1111', 12, 2031,
        :dk, decode(md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text), 'hex'),
        '{}', NULL);
