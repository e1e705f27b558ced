-- Hours without any event in an account/region that logs around the clock in the
-- baseline (>= 90% of baseline hours have events): a delivery gap, deleted log files,
-- or logging switched off and on again. Reads `activity` (sql/activity.sql).
WITH hours AS (
  SELECT account, region, hour_start, bool_or(in_review) AS in_review
  FROM activity GROUP BY account, region, hour_start
),
steady AS (
  SELECT h.account, h.region
  FROM hours h CROSS JOIN settings s
  WHERE NOT h.in_review
  GROUP BY h.account, h.region
  HAVING count(*) >= 0.9 * max(date_diff('hour', s.baseline_start, s.review_start))
),
gaps AS (
  SELECT account, region, hour_start,
         lead(hour_start) OVER (PARTITION BY account, region ORDER BY hour_start) AS next_start
  FROM hours
)
SELECT g.hour_start + INTERVAL 1 HOUR AS event_time, CAST(NULL AS VARCHAR) AS principal, 'no events' AS action,
       CAST(NULL AS VARCHAR) AS resource, g.account, g.region,
       'no events from ' || strftime(g.hour_start + INTERVAL 1 HOUR, '%Y-%m-%dT%H:%M') || 'Z to '
         || strftime(g.next_start, '%Y-%m-%dT%H:%M') || 'Z' AS detail,
       date_diff('hour', g.hour_start, g.next_start) - 1 AS events, CAST(NULL AS VARCHAR) AS event_ids, false AS failed, CAST(NULL AS VARCHAR) AS environment
FROM gaps g
JOIN steady USING (account, region)
CROSS JOIN settings s
WHERE g.next_start IS NOT NULL AND g.next_start > s.review_start
  AND date_diff('hour', g.hour_start, g.next_start) - 1 >= s.gap_hours
