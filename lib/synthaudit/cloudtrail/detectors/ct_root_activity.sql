-- Calls made as the account root user (other than by AWS services on its behalf).
SELECT min(event_time) AS event_time, principal_arn AS principal, min(event_name) AS action,
       principal_arn AS resource, account, min(region) AS region,
       CAST(count(*) AS VARCHAR) || ' calls as root' AS detail, count(*) AS events
FROM classified
WHERE in_review AND principal_type = 'Root' AND invoked_by IS NULL
GROUP BY principal_arn, account, event_day
