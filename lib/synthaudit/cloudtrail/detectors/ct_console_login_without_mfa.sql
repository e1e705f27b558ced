-- Successful console sign-ins of IAM users or root without MFA. Federated sign-ins (SAML,
-- web identity: an AssumedRole or SAMLUser identity) are not IAM users' logins: their MFA is the
-- identity provider's. A failed sign-in (errorMessage, ConsoleLogin Failure) logged nobody in.
SELECT event_time, coalesce(identity_arn, principal_arn) AS principal, event_name AS action,
       coalesce(identity_arn, principal_arn) AS resource, account, region,
       'console login without MFA' AS detail, 1 AS events,
       event_id AS event_ids, false AS failed, principal_env AS environment
FROM classified
WHERE in_review AND event_name = 'ConsoleLogin' AND principal_type IN ('IAMUser', 'Root')
  AND json_extract_string(additional_event_data, '$.MFAUsed') = 'No'
  AND coalesce(json_extract_string(response_elements, '$.ConsoleLogin'), 'Success') = 'Success'
  AND error_code IS NULL
