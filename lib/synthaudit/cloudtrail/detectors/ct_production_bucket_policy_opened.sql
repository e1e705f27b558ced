-- A production bucket's policy or ACL changed to admit everyone or a non-production account.
-- Failed calls are reported as attempts.
SELECT c.event_time, c.principal_arn AS principal, c.event_name AS action, c.resource_arn AS resource,
       c.account, c.region,
       CASE WHEN regexp_matches(c.request_parameters, '"(Principal|AWS)"\s*:\s*"\*"|AllUsers|AuthenticatedUsers')
            THEN 'grants access to everyone' ELSE 'grants access to a non-production account' END AS detail,
       1 AS events, c.event_id AS event_ids, c.error_code IS NOT NULL AS failed, c.resource_env AS environment
FROM classified c
WHERE c.in_review AND c.event_name IN ('PutBucketPolicy', 'PutBucketAcl') AND c.resource_env = 'production'
  AND (regexp_matches(c.request_parameters, '"(Principal|AWS)"\s*:\s*"\*"|AllUsers|AuthenticatedUsers')
       OR EXISTS (SELECT 1 FROM accounts a
                  WHERE a.environment <> 'production' AND strpos(c.request_parameters, a.account) > 0))
