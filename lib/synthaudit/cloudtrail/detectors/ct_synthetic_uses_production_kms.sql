-- Synthetic-environment principals using production KMS keys to decrypt or make data keys.
-- Failed calls are reported apart, as attempts.
SELECT min(event_time) AS event_time, principal_arn AS principal, min(event_name) AS action,
       resource_arn AS resource, min(account) AS account, min(region) AS region,
       CAST(count(*) AS VARCHAR) || ' KMS cryptographic calls by a synthetic principal with a production key' AS detail,
       count(*) AS events, string_agg(event_id, ',') AS event_ids, error_code IS NOT NULL AS failed,
       min(resource_env) AS environment
FROM classified
WHERE in_review AND event_source = 'kms.amazonaws.com' AND principal_env = 'synthetic' AND resource_env = 'production'
  AND event_name IN ('Decrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncrypt', 'ReEncryptFrom', 'ReEncryptTo', 'Encrypt', 'CreateGrant')
GROUP BY principal_arn, resource_arn, event_day, error_code IS NOT NULL
