-- Policy, ACL or lifecycle changes on a bucket that receives CloudTrail logs (the
-- configured trail buckets, and any bucket a trail event in the logs names). Failed calls are attempts.
WITH trail_bucket AS (
  SELECT bucket FROM trail_buckets
  UNION
  SELECT json_extract_string(request_parameters, '$.s3BucketName') AS bucket
  FROM classified
  WHERE event_source = 'cloudtrail.amazonaws.com' AND event_name IN ('CreateTrail', 'UpdateTrail')
    AND json_extract_string(request_parameters, '$.s3BucketName') IS NOT NULL
)
SELECT c.event_time, c.principal_arn AS principal, c.event_name AS action, c.resource_arn AS resource,
       c.account, c.region, 'trail bucket ' || c.bucket_name || ' changed' || coalesce(' (error ' || c.error_code || ')', '') AS detail,
       1 AS events, c.event_id AS event_ids, c.error_code IS NOT NULL AS failed, c.resource_env AS environment
FROM classified c
JOIN trail_bucket t ON t.bucket = c.bucket_name
WHERE c.in_review AND c.event_source = 's3.amazonaws.com'
  AND c.event_name IN ('PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketAcl', 'PutBucketLifecycle',
                       'PutBucketLifecycleConfiguration', 'DeleteBucketLifecycle', 'PutBucketOwnershipControls')
