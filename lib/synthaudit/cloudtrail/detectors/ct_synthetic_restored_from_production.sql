-- A database or volume in the synthetic account restored from a production snapshot (failed
-- calls are attempts).
SELECT event_time, principal_arn AS principal, event_name AS action, resource_arn AS resource,
       account, region, 'restored in the synthetic account from a production snapshot'
         || coalesce(' (error ' || error_code || ')', '') AS detail,
       1 AS events, event_id AS event_ids, error_code IS NOT NULL AS failed, resource_env AS environment
FROM classified
WHERE in_review AND account_env = 'synthetic' AND resource_env = 'production'
  AND event_name IN ('RestoreDBInstanceFromDBSnapshot', 'RestoreDBClusterFromSnapshot', 'CreateVolume',
                     'RestoreDBInstanceToPointInTime', 'RestoreDBClusterToPointInTime')
