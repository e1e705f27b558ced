-- A production bucket's policy or ACL changed to admit everyone or a non-production account.
-- Who the new policy admits is read by the IAM engine's parser (exposure.py: `exposure_grants`),
-- so a statement bounded by a condition (aws:PrincipalOrgID, SourceVpce, ...) admits nobody.
-- Failed calls are reported as attempts.
WITH opened AS (
  SELECT x.event_id, bool_or(x.scope = 'everyone') AS to_everyone
  FROM exposure_grants x
  WHERE x.scope = 'everyone'
     OR x.grantee IN (SELECT a.account FROM accounts a WHERE a.environment <> 'production')
  GROUP BY x.event_id
)
SELECT c.event_time, c.principal_arn AS principal, c.event_name AS action, c.resource_arn AS resource,
       c.account, c.region,
       CASE WHEN o.to_everyone THEN 'grants access to everyone' ELSE 'grants access to a non-production account' END
         || coalesce(' (error ' || c.error_code || ')', '') AS detail,
       1 AS events, c.event_id AS event_ids, c.error_code IS NOT NULL AS failed, c.resource_env AS environment
FROM classified c
JOIN opened o ON o.event_id = c.event_id
WHERE c.in_review AND c.event_name IN ('PutBucketPolicy', 'PutBucketAcl') AND c.resource_env = 'production'
