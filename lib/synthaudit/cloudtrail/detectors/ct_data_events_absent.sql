-- Production buckets the trail's event selectors claim to record data events for, with
-- no S3 data event in the review window (selectors changed, or events filtered out).
SELECT s.review_start AS event_time, CAST(NULL AS VARCHAR) AS principal, 'no data events' AS action,
       d.bucket_arn AS resource, d.account, CAST(NULL AS VARCHAR) AS region,
       'trail ' || d.trail_arn || ' selects data events for this bucket, none arrived' AS detail, 0 AS events,
       CAST(NULL AS VARCHAR) AS event_ids, false AS failed, 'production' AS environment
FROM data_event_scope d CROSS JOIN settings s
LEFT JOIN environment e ON e.arn = d.bucket_arn
WHERE coalesce(e.environment, d.environment) = 'production'
  AND NOT EXISTS (
    SELECT 1 FROM classified c
    WHERE c.in_review AND c.event_source = 's3.amazonaws.com' AND c.resource_arn = d.bucket_arn
      AND c.event_name IN ('GetObject', 'PutObject', 'DeleteObject', 'CopyObject', 'HeadObject', 'SelectObjectContent'))
