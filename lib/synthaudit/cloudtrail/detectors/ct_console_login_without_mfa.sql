-- Successful console sign-ins of IAM users or root without MFA.
SELECT event_time, coalesce(identity_arn, principal_arn) AS principal, event_name AS action,
       coalesce(identity_arn, principal_arn) AS resource, account, region,
       'console login without MFA' AS detail, 1 AS events
FROM classified
WHERE in_review AND event_name = 'ConsoleLogin' AND principal_type IN ('IAMUser', 'Root')
  AND json_extract_string(additional_event_data, '$.MFAUsed') = 'No'
  AND coalesce(json_extract_string(response_elements, '$.ConsoleLogin'), 'Success') = 'Success'
