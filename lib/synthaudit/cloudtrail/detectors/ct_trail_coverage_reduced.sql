-- UpdateTrail / PutEventSelectors that record less: management events excluded, read or
-- write only, single region, no global events, log validation off, delivery redirected.
-- Failed calls are reported as attempts.
SELECT event_time, principal_arn AS principal, event_name AS action, resource_arn AS resource,
       account, region,
       CASE
         WHEN regexp_matches(request_parameters, '"includeManagementEvents"\s*:\s*false') THEN 'management events excluded'
         WHEN regexp_matches(request_parameters, '"readWriteType"\s*:\s*"(ReadOnly|WriteOnly)"') THEN 'only read or only write events recorded'
         WHEN regexp_matches(request_parameters, '"excludeManagementEventSources"\s*:\s*\[\s*"') THEN 'management event sources excluded'
         WHEN regexp_matches(request_parameters, '"(NotEquals|NotStartsWith|NotEndsWith)"') THEN 'advanced selectors exclude events'
         WHEN regexp_matches(request_parameters, '"isMultiRegionTrail"\s*:\s*false') THEN 'trail made single-region'
         WHEN regexp_matches(request_parameters, '"includeGlobalServiceEvents"\s*:\s*false') THEN 'global service events excluded'
         WHEN regexp_matches(request_parameters, '"enableLogFileValidation"\s*:\s*false') THEN 'log file validation turned off'
         ELSE 'delivery bucket changed'
       END || coalesce(' (error ' || error_code || ')', '') AS detail,
       1 AS events, event_id AS event_ids, error_code IS NOT NULL AS failed, resource_env AS environment
FROM classified
WHERE in_review AND event_source = 'cloudtrail.amazonaws.com'
  AND (
    (event_name = 'PutEventSelectors' AND (
        regexp_matches(request_parameters, '"includeManagementEvents"\s*:\s*false')
        OR regexp_matches(request_parameters, '"readWriteType"\s*:\s*"(ReadOnly|WriteOnly)"')
        OR regexp_matches(request_parameters, '"excludeManagementEventSources"\s*:\s*\[\s*"')
        OR regexp_matches(request_parameters, '"(NotEquals|NotStartsWith|NotEndsWith)"')))
    OR (event_name = 'UpdateTrail' AND (
        regexp_matches(request_parameters, '"isMultiRegionTrail"\s*:\s*false')
        OR regexp_matches(request_parameters, '"includeGlobalServiceEvents"\s*:\s*false')
        OR regexp_matches(request_parameters, '"enableLogFileValidation"\s*:\s*false')
        OR regexp_matches(request_parameters, '"s3BucketName"\s*:')))
  )
