-- Replication configured from a production bucket to a bucket that is not known production.
-- Failed calls are reported as attempts.
SELECT c.event_time, c.principal_arn AS principal, c.event_name AS action, c.resource_arn AS resource,
       c.account, c.region,
       'replicates to ' || coalesce(nullif(regexp_extract(c.request_parameters, 'arn:aws:s3:::([a-z0-9.-]+)', 1), ''), 'an unnamed bucket') AS detail,
       1 AS events, c.event_id AS event_ids, c.error_code IS NOT NULL AS failed, c.resource_env AS environment
FROM classified c
WHERE c.in_review AND c.event_name = 'PutBucketReplication' AND c.resource_env = 'production'
  AND NOT EXISTS (
    SELECT 1 FROM environment e
    WHERE e.environment = 'production'
      AND e.arn = 'arn:aws:s3:::' || regexp_extract(c.request_parameters, 'arn:aws:s3:::([a-z0-9.-]+)', 1))
