-- PutBucketLogging without a LoggingEnabled element: the bucket's server access logging is
-- switched off, so reads of its objects stop being recorded outside CloudTrail. Failed calls
-- are attempts.
SELECT c.event_time, c.principal_arn AS principal, c.event_name AS action, c.resource_arn AS resource,
       c.account, c.region,
       'server access logging removed from ' || c.bucket_name || coalesce(' (error ' || c.error_code || ')', '') AS detail,
       1 AS events, c.event_id AS event_ids, c.error_code IS NOT NULL AS failed,
       coalesce(nullif(c.resource_env, 'unknown'), c.account_env) AS environment
FROM classified c
WHERE c.in_review AND c.event_source = 's3.amazonaws.com' AND c.event_name = 'PutBucketLogging'
  AND json_extract(c.request_parameters, '$.BucketLoggingStatus.LoggingEnabled') IS NULL
