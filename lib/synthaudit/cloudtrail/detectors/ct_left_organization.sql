-- An account leaves (or is removed from) the organisation, escaping its SCPs and org trail.
SELECT event_time, principal_arn AS principal, event_name AS action, CAST(NULL AS VARCHAR) AS resource,
       account, region, coalesce('error ' || error_code, 'succeeded') AS detail, 1 AS events
FROM classified
WHERE in_review AND event_source = 'organizations.amazonaws.com'
  AND event_name IN ('LeaveOrganization', 'RemoveAccountFromOrganization')
