-- Objects copied (CopyObject) or replication configured (PutBucketReplication) into a bucket
-- of another account than the source bucket's. Bucket owners come from the inventory
-- (`environment`); for a bucket it does not list (a plain `--logs` scan), from the account the
-- events' resources blocks name for it, when they name one only; replication also names its
-- destination account when it sets Destination.Account. Failed calls are attempts.
WITH copies AS (
  SELECT c.*,
         CASE WHEN c.event_name = 'CopyObject'
              THEN regexp_extract(json_extract_string(c.request_parameters, '$."x-amz-copy-source"'), '^/?([^/]+)', 1)
              ELSE c.bucket_name END AS from_bucket,
         CASE WHEN c.event_name = 'CopyObject' THEN c.bucket_name
              ELSE regexp_extract(c.request_parameters, 'arn:aws:s3:::([a-z0-9.-]+)', 1) END AS to_bucket,
         nullif(regexp_extract(c.request_parameters, '"Account"\s*:\s*"([0-9]{12})"', 1), '') AS named_account
  FROM classified c
  WHERE c.in_review AND c.event_source = 's3.amazonaws.com' AND c.event_name IN ('CopyObject', 'PutBucketReplication')
),
listed AS (
  SELECT resource_arn AS arn, min(listed_resource_account) AS account
  FROM classified
  WHERE event_source = 's3.amazonaws.com' AND listed_resource_account IS NOT NULL
    AND resource_arn IN (SELECT 'arn:aws:s3:::' || from_bucket FROM copies UNION SELECT 'arn:aws:s3:::' || to_bucket FROM copies)
  GROUP BY resource_arn
  HAVING count(DISTINCT listed_resource_account) = 1
),
owned AS (
  SELECT k.*, coalesce(src.account, ls.account) AS from_account,
         coalesce(dst.account, ld.account, k.named_account) AS to_account,
         coalesce(src.environment, 'unknown') AS from_env
  FROM copies k
  LEFT JOIN environment src ON src.arn = 'arn:aws:s3:::' || k.from_bucket
  LEFT JOIN environment dst ON dst.arn = 'arn:aws:s3:::' || k.to_bucket
  LEFT JOIN listed ls ON ls.arn = 'arn:aws:s3:::' || k.from_bucket
  LEFT JOIN listed ld ON ld.arn = 'arn:aws:s3:::' || k.to_bucket
)
SELECT o.event_time, o.principal_arn AS principal, o.event_name AS action, 'arn:aws:s3:::' || o.from_bucket AS resource,
       o.account, o.region,
       CASE WHEN o.event_name = 'CopyObject' THEN 'objects copied' ELSE 'replication configured' END
         || ' from ' || o.from_bucket || ' (account ' || o.from_account || ') into ' || o.to_bucket
         || ' (account ' || o.to_account || ')' || coalesce(' (error ' || o.error_code || ')', '') AS detail,
       1 AS events, o.event_id AS event_ids, o.error_code IS NOT NULL AS failed, o.from_env AS environment
FROM owned o
WHERE o.from_account IS NOT NULL AND o.to_account IS NOT NULL AND o.from_account <> o.to_account
