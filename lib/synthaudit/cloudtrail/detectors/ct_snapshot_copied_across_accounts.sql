-- A production snapshot copied into an account that is not production.
SELECT event_time, principal_arn AS principal, event_name AS action, resource_arn AS resource,
       account, region, 'production snapshot copied into a ' || account_env || ' account' AS detail, 1 AS events
FROM classified
WHERE in_review AND event_name IN ('CopySnapshot', 'CopyDBSnapshot', 'CopyDBClusterSnapshot')
  AND resource_env = 'production' AND account_env <> 'production' AND error_code IS NULL
