-- An RDS / Aurora database instance created, restored or modified with PubliclyAccessible
-- true: it gets a public endpoint. Runs without environment classification; a production
-- database (or one in a production account) raises the severity. Failed calls are attempts.
SELECT c.event_time, c.principal_arn AS principal, c.event_name AS action,
       'arn:aws:rds:' || c.region || ':' || c.account || ':db:'
         || json_extract_string(c.request_parameters, '$.dBInstanceIdentifier') AS resource,
       c.account, c.region,
       'database instance ' || json_extract_string(c.request_parameters, '$.dBInstanceIdentifier')
         || ' made publicly accessible' || coalesce(' (error ' || c.error_code || ')', '') AS detail,
       1 AS events, c.event_id AS event_ids, c.error_code IS NOT NULL AS failed,
       coalesce(nullif(c.resource_env, 'unknown'), c.account_env) AS environment
FROM classified c
WHERE c.in_review AND c.event_source = 'rds.amazonaws.com'
  AND c.event_name IN ('CreateDBInstance', 'ModifyDBInstance', 'CreateDBInstanceReadReplica',
                       'RestoreDBInstanceFromDBSnapshot', 'RestoreDBInstanceToPointInTime', 'RestoreDBInstanceFromS3')
  AND lower(CAST(json_extract(c.request_parameters, '$.publiclyAccessible') AS VARCHAR)) = 'true'
