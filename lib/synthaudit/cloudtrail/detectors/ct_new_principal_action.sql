-- (principal, action) pairs never seen in the baseline window, for principals with an
-- established baseline (sql/settled_principals.sql). The resource column names the principal; the action is new.
-- Reads `activity` (sql/activity.sql): classified events rolled up per hour.
WITH seen AS (
  SELECT DISTINCT principal_arn, event_source, event_name FROM activity WHERE NOT in_review
)
SELECT min(a.first_time) AS event_time, a.principal_arn AS principal,
       a.event_source || ':' || a.event_name AS action, a.principal_arn AS resource,
       min(a.account) AS account, min(a.region) AS region,
       'action not seen in the baseline; ' || CAST(sum(a.n) AS VARCHAR) || ' calls in the review window' AS detail,
       sum(a.n) AS events, string_agg(a.event_ids, ',') AS event_ids, false AS failed, CAST(NULL AS VARCHAR) AS environment
FROM activity a
JOIN settled_principals USING (principal_arn)
LEFT JOIN seen b ON b.principal_arn = a.principal_arn AND b.event_source = a.event_source AND b.event_name = a.event_name
WHERE a.in_review AND b.principal_arn IS NULL
GROUP BY a.principal_arn, a.event_source, a.event_name
