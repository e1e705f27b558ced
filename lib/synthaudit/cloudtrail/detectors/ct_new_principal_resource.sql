-- (principal, resource) pairs never seen in the baseline window, for principals with an
-- established baseline (sql/settled_principals.sql). Reads `activity` (sql/activity.sql).
WITH seen AS (
  SELECT DISTINCT principal_arn, resource_arn FROM activity WHERE NOT in_review AND resource_arn IS NOT NULL
)
SELECT min(a.first_time) AS event_time, a.principal_arn AS principal, min(a.event_name) AS action,
       a.resource_arn AS resource, min(a.account) AS account, min(a.region) AS region,
       'resource not touched by this principal in the baseline; ' || CAST(sum(a.n) AS VARCHAR) || ' calls' AS detail,
       sum(a.n) AS events, string_agg(a.event_ids, ',') AS event_ids, false AS failed, CAST(NULL AS VARCHAR) AS environment
FROM activity a
JOIN settled_principals USING (principal_arn)
LEFT JOIN seen b ON b.principal_arn = a.principal_arn AND b.resource_arn = a.resource_arn
WHERE a.in_review AND a.resource_arn IS NOT NULL AND b.principal_arn IS NULL
GROUP BY a.principal_arn, a.resource_arn
