-- AWS Config stops recording configuration changes (failed calls are reported as attempts).
SELECT event_time, principal_arn AS principal, event_name AS action, resource_arn AS resource,
       account, region, 'configuration recording stopped' || coalesce(' (error ' || error_code || ')', '') AS detail,
       1 AS events, event_id AS event_ids, error_code IS NOT NULL AS failed, resource_env AS environment
FROM classified
WHERE in_review AND event_source = 'config.amazonaws.com'
  AND event_name IN ('StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel')
