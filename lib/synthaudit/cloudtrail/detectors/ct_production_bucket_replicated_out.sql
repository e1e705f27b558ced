-- Replication configured from a production bucket to a bucket that is not known production.
SELECT c.event_time, c.principal_arn AS principal, c.event_name AS action, c.resource_arn AS resource,
       c.account, c.region,
       'replicates to ' || coalesce(nullif(regexp_extract(c.request_parameters, 'arn:aws:s3:::([a-z0-9.-]+)', 1), ''), 'an unnamed bucket') AS detail,
       1 AS events
FROM classified c
WHERE c.in_review AND c.event_name = 'PutBucketReplication' AND c.resource_env = 'production' AND c.error_code IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM environment e
    WHERE e.environment = 'production'
      AND e.arn = 'arn:aws:s3:::' || regexp_extract(c.request_parameters, 'arn:aws:s3:::([a-z0-9.-]+)', 1))
