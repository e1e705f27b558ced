-- Synthetic-environment principals acting on production buckets (data events), one row
-- per principal, bucket and day. Failed calls are reported apart, as attempts.
SELECT min(event_time) AS event_time, principal_arn AS principal,
       min(event_name) AS action, resource_arn AS resource, min(account) AS account, min(region) AS region,
       CAST(count(*) AS VARCHAR) || ' S3 calls by a synthetic principal on a production bucket ('
         || CAST(count(DISTINCT event_name) AS VARCHAR) || ' actions)' AS detail,
       count(*) AS events, string_agg(event_id, ',') AS event_ids, error_code IS NOT NULL AS failed,
       min(resource_env) AS environment
FROM classified
WHERE in_review AND event_source = 's3.amazonaws.com' AND principal_env = 'synthetic' AND resource_env = 'production'
GROUP BY principal_arn, resource_arn, event_day, error_code IS NOT NULL
