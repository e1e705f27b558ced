-- Synthetic-environment principals reading production databases: RDS Data API
-- statements, log downloads, snapshot exports. Failed calls are reported apart, as attempts.
SELECT min(event_time) AS event_time, principal_arn AS principal, min(event_name) AS action,
       resource_arn AS resource, min(account) AS account, min(region) AS region,
       CAST(count(*) AS VARCHAR) || ' database calls by a synthetic principal on a production database' AS detail,
       count(*) AS events, string_agg(event_id, ',') AS event_ids, error_code IS NOT NULL AS failed,
       min(resource_env) AS environment
FROM classified
WHERE in_review AND principal_env = 'synthetic' AND resource_env = 'production'
  AND ((event_source = 'rds-data.amazonaws.com'
        AND event_name IN ('ExecuteStatement', 'BatchExecuteStatement', 'BeginTransaction', 'ExecuteSql'))
    OR (event_source = 'rds.amazonaws.com'
        AND event_name IN ('DownloadDBLogFilePortion', 'DownloadCompleteDBLogFile', 'StartExportTask')))
GROUP BY principal_arn, resource_arn, event_day, error_code IS NOT NULL
