-- (principal, action) pairs never seen in the baseline window, for principals with an
-- established baseline. The resource column names the principal; the action is new.
WITH settled AS (
  SELECT c.principal_arn
  FROM classified c CROSS JOIN settings s
  WHERE NOT c.in_review AND c.principal_arn IS NOT NULL AND c.principal_type <> 'AWSService'
  GROUP BY c.principal_arn
  HAVING count(DISTINCT c.event_day) >= max(s.min_baseline_days)
),
seen AS (
  SELECT DISTINCT principal_arn, event_source, event_name FROM classified WHERE NOT in_review
)
SELECT min(c.event_time) AS event_time, c.principal_arn AS principal,
       c.event_source || ':' || c.event_name AS action, c.principal_arn AS resource,
       min(c.account) AS account, min(c.region) AS region,
       'action not seen in the baseline; ' || CAST(count(*) AS VARCHAR) || ' calls in the review window' AS detail,
       count(*) AS events
FROM classified c
JOIN settled USING (principal_arn)
LEFT JOIN seen b ON b.principal_arn = c.principal_arn AND b.event_source = c.event_source AND b.event_name = c.event_name
WHERE c.in_review AND b.principal_arn IS NULL
GROUP BY c.principal_arn, c.event_source, c.event_name
