-- A production snapshot copied into an account that is not production (failed calls are attempts).
SELECT event_time, principal_arn AS principal, event_name AS action, resource_arn AS resource,
       account, region, 'production snapshot copied into a ' || account_env || ' account'
         || coalesce(' (error ' || error_code || ')', '') AS detail,
       1 AS events, event_id AS event_ids, error_code IS NOT NULL AS failed, resource_env AS environment
FROM classified
WHERE in_review AND event_name IN ('CopySnapshot', 'CopyDBSnapshot', 'CopyDBClusterSnapshot')
  AND resource_env = 'production' AND account_env <> 'production'
