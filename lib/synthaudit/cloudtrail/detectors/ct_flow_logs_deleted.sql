-- DeleteFlowLogs: network traffic stops being recorded (failed calls are reported as attempts).
SELECT event_time, principal_arn AS principal, event_name AS action, resource_arn AS resource,
       account, region, 'flow logs deleted' || coalesce(' (error ' || error_code || ')', '') AS detail,
       1 AS events, event_id AS event_ids, error_code IS NOT NULL AS failed, resource_env AS environment
FROM classified
WHERE in_review AND event_source = 'ec2.amazonaws.com' AND event_name = 'DeleteFlowLogs'
