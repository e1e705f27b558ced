-- Synthetic-environment principals acting on production buckets (data events), one row
-- per principal, bucket and day.
SELECT min(event_time) AS event_time, principal_arn AS principal,
       min(event_name) AS action, resource_arn AS resource, min(account) AS account, min(region) AS region,
       CAST(count(*) AS VARCHAR) || ' S3 calls by a synthetic principal on a production bucket ('
         || CAST(count(DISTINCT event_name) AS VARCHAR) || ' actions)' AS detail,
       count(*) AS events
FROM classified
WHERE in_review AND event_source = 's3.amazonaws.com' AND principal_env = 'synthetic' AND resource_env = 'production'
  AND error_code IS NULL
GROUP BY principal_arn, resource_arn, event_day
