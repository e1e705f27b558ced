-- (principal, resource) pairs never seen in the baseline window, for principals with an
-- established baseline.
WITH settled AS (
  SELECT c.principal_arn
  FROM classified c CROSS JOIN settings s
  WHERE NOT c.in_review AND c.principal_arn IS NOT NULL AND c.principal_type <> 'AWSService'
  GROUP BY c.principal_arn
  HAVING count(DISTINCT c.event_day) >= max(s.min_baseline_days)
),
seen AS (
  SELECT DISTINCT principal_arn, resource_arn FROM classified WHERE NOT in_review AND resource_arn IS NOT NULL
)
SELECT min(c.event_time) AS event_time, c.principal_arn AS principal, min(c.event_name) AS action,
       c.resource_arn AS resource, min(c.account) AS account, min(c.region) AS region,
       'resource not touched by this principal in the baseline; ' || CAST(count(*) AS VARCHAR) || ' calls' AS detail,
       count(*) AS events
FROM classified c
JOIN settled USING (principal_arn)
LEFT JOIN seen b ON b.principal_arn = c.principal_arn AND b.resource_arn = c.resource_arn
WHERE c.in_review AND c.resource_arn IS NOT NULL AND b.principal_arn IS NULL
GROUP BY c.principal_arn, c.resource_arn
