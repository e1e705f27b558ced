-- An account leaves (or is removed from) the organisation, escaping its SCPs and org trail.
-- Failed calls are reported as attempts.
SELECT event_time, principal_arn AS principal, event_name AS action, CAST(NULL AS VARCHAR) AS resource,
       account, region, 'account left the organisation' || coalesce(' (error ' || error_code || ')', '') AS detail,
       1 AS events, event_id AS event_ids, error_code IS NOT NULL AS failed, account_env AS environment
FROM classified
WHERE in_review AND event_source = 'organizations.amazonaws.com'
  AND event_name IN ('LeaveOrganization', 'RemoveAccountFromOrganization')
