-- Synthetic-environment principals reading production databases: RDS Data API
-- statements, log downloads, snapshot exports.
SELECT min(event_time) AS event_time, principal_arn AS principal, min(event_name) AS action,
       resource_arn AS resource, min(account) AS account, min(region) AS region,
       CAST(count(*) AS VARCHAR) || ' database calls by a synthetic principal on a production database' AS detail,
       count(*) AS events
FROM classified
WHERE in_review AND principal_env = 'synthetic' AND resource_env = 'production' AND error_code IS NULL
  AND ((event_source = 'rds-data.amazonaws.com'
        AND event_name IN ('ExecuteStatement', 'BatchExecuteStatement', 'BeginTransaction', 'ExecuteSql'))
    OR (event_source = 'rds.amazonaws.com'
        AND event_name IN ('DownloadDBLogFilePortion', 'DownloadCompleteDBLogFile', 'StartExportTask')))
GROUP BY principal_arn, resource_arn, event_day
