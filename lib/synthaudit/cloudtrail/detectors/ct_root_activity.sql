-- Calls made as the account root user (other than by AWS services on its behalf), one row per
-- account and day for read-only calls and one for changes, failed calls apart as attempts.
SELECT min(event_time) AS event_time, principal_arn AS principal, min(event_name) AS action,
       principal_arn AS resource, account, min(region) AS region,
       CAST(count(*) AS VARCHAR) || CASE WHEN read_only THEN ' read-only' ELSE ' changing' END || ' calls as root'
         || CASE WHEN read_only THEN '' ELSE ' (' || string_agg(DISTINCT event_name, ', ' ORDER BY event_name) || ')' END
         AS detail,
       count(*) AS events, string_agg(event_id, ',') AS event_ids, error_code IS NOT NULL AS failed,
       min(account_env) AS environment
FROM classified
WHERE in_review AND principal_type = 'Root' AND invoked_by IS NULL
GROUP BY principal_arn, account, event_day, read_only, error_code IS NOT NULL
