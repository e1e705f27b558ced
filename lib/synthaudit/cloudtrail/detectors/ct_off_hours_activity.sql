-- Activity in hours of the day (UTC) the principal never used in its baseline, for
-- principals with a daily rhythm (not active around the clock). One row per principal and day.
-- Reads `activity` (sql/activity.sql).
WITH usual AS (
  SELECT principal_arn, hour(hour_start) AS hour_of_day, sum(n) AS n
  FROM activity
  WHERE NOT in_review AND principal_arn IS NOT NULL AND principal_type <> 'AWSService'
  GROUP BY principal_arn, hour(hour_start)
),
profile AS (
  SELECT principal_arn, count(*) AS hours_used, sum(n) AS total FROM usual GROUP BY principal_arn
)
SELECT min(a.first_time) AS event_time, a.principal_arn AS principal, min(a.event_name) AS action,
       a.principal_arn AS resource, min(a.account) AS account, min(a.region) AS region,
       CAST(sum(a.n) AS VARCHAR) || ' calls outside the principal''s usual hours (first at '
         || CAST(min(hour(a.hour_start)) AS VARCHAR) || ':00 UTC)' AS detail,
       sum(a.n) AS events, string_agg(a.event_ids, ',') AS event_ids, false AS failed, CAST(NULL AS VARCHAR) AS environment
FROM activity a
JOIN profile p USING (principal_arn)
LEFT JOIN usual u ON u.principal_arn = a.principal_arn AND u.hour_of_day = hour(a.hour_start)
CROSS JOIN settings s
WHERE a.in_review AND u.principal_arn IS NULL AND p.total >= s.min_profile_events AND p.hours_used <= s.max_usual_hours
GROUP BY a.principal_arn, a.event_day
