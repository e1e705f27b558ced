-- Activity in hours of the day (UTC) the principal never used in its baseline, for
-- principals with a daily rhythm (not active around the clock). One row per principal and day.
WITH usual AS (
  SELECT principal_arn, hour(event_time) AS hour_of_day, count(*) AS n
  FROM classified
  WHERE NOT in_review AND principal_arn IS NOT NULL AND principal_type <> 'AWSService'
  GROUP BY principal_arn, hour(event_time)
),
profile AS (
  SELECT principal_arn, count(*) AS hours_used, sum(n) AS total FROM usual GROUP BY principal_arn
)
SELECT min(c.event_time) AS event_time, c.principal_arn AS principal, min(c.event_name) AS action,
       c.principal_arn AS resource, min(c.account) AS account, min(c.region) AS region,
       CAST(count(*) AS VARCHAR) || ' calls outside the principal''s usual hours (first at '
         || CAST(min(hour(c.event_time)) AS VARCHAR) || ':00 UTC)' AS detail,
       count(*) AS events
FROM classified c
JOIN profile p USING (principal_arn)
LEFT JOIN usual u ON u.principal_arn = c.principal_arn AND u.hour_of_day = hour(c.event_time)
CROSS JOIN settings s
WHERE c.in_review AND u.principal_arn IS NULL AND p.total >= s.min_profile_events AND p.hours_used <= s.max_usual_hours
GROUP BY c.principal_arn, c.event_day
