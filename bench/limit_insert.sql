-- The physical limit of tokenize: one durable single-row INSERT shaped like a token row
-- (same table, same indexes). :dk is an existing data key id.
INSERT INTO token (token, tenant, format, deterministic, fingerprint, brand, bin, last4, exp_month, exp_year,
                   data_key_id, ciphertext, metadata, expires_at)
VALUES ('pgb_' || md5(random()::text || clock_timestamp()::text), 'bench', 'RANDOM', false,
        decode(md5(random()::text) || md5(random()::text), 'hex'), 'VISA', '411111', '1111', 12, 2031,
        :dk, decode(md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text), 'hex'),
        '{}', NULL);
