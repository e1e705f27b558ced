-- A KMS key disabled or scheduled for deletion: whatever it encrypts (trail logs,
-- production data) becomes unreadable, which also destroys evidence. Failed calls are attempts.
SELECT event_time, principal_arn AS principal, event_name AS action, resource_arn AS resource,
       account, region, 'key disabled or scheduled for deletion' || coalesce(' (error ' || error_code || ')', '') AS detail,
       1 AS events, event_id AS event_ids, error_code IS NOT NULL AS failed, resource_env AS environment
FROM classified
WHERE in_review AND event_source = 'kms.amazonaws.com' AND event_name IN ('DisableKey', 'ScheduleKeyDeletion')
