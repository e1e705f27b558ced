-- A database or volume in the synthetic account restored from a production snapshot.
SELECT event_time, principal_arn AS principal, event_name AS action, resource_arn AS resource,
       account, region, 'restored in the synthetic account from a production snapshot' AS detail, 1 AS events
FROM classified
WHERE in_review AND account_env = 'synthetic' AND resource_env = 'production' AND error_code IS NULL
  AND event_name IN ('RestoreDBInstanceFromDBSnapshot', 'RestoreDBClusterFromSnapshot', 'CreateVolume',
                     'RestoreDBInstanceToPointInTime', 'RestoreDBClusterToPointInTime')
