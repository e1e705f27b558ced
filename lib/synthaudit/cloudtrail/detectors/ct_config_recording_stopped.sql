-- AWS Config stops recording configuration changes.
SELECT event_time, principal_arn AS principal, event_name AS action, resource_arn AS resource,
       account, region, coalesce('error ' || error_code, 'succeeded') AS detail, 1 AS events
FROM classified
WHERE in_review AND event_source = 'config.amazonaws.com'
  AND event_name IN ('StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel')
