-- Per-principal daily call counts in the review window far above the principal's own
-- baseline: robust z = (count - median) / (1.4826 * MAD) above settings.spike_mad.
-- Reads `activity` (sql/activity.sql).
WITH daily AS (
  SELECT principal_arn, event_day, sum(n) AS n, min(account) AS account, min(region) AS region,
         min(first_time) AS first_time, bool_or(in_review) AS in_review,
         string_agg(event_ids, ',') AS event_ids
  FROM activity
  WHERE principal_arn IS NOT NULL AND principal_type <> 'AWSService'
  GROUP BY principal_arn, event_day
),
base AS (
  SELECT principal_arn, median(n) AS med, count(*) AS days FROM daily WHERE NOT in_review GROUP BY principal_arn
),
spread AS (
  SELECT d.principal_arn, median(abs(d.n - b.med)) AS mad
  FROM daily d JOIN base b USING (principal_arn) WHERE NOT d.in_review GROUP BY d.principal_arn
)
SELECT d.first_time AS event_time, d.principal_arn AS principal, 'daily call count' AS action,
       d.principal_arn AS resource, d.account, d.region,
       CAST(d.n AS VARCHAR) || ' calls on ' || CAST(d.event_day AS VARCHAR) || ' against a baseline median of '
         || CAST(b.med AS VARCHAR) || ' (robust z ' || CAST(round((d.n - b.med) / (1.4826 * greatest(m.mad, 1)), 1) AS VARCHAR) || ')' AS detail,
       d.n AS events, d.event_ids, false AS failed, CAST(NULL AS VARCHAR) AS environment
FROM daily d
JOIN base b USING (principal_arn)
JOIN spread m USING (principal_arn)
CROSS JOIN settings s
WHERE d.in_review AND b.days >= s.min_baseline_days AND d.n >= s.spike_min_events
  AND (d.n - b.med) / (1.4826 * greatest(m.mad, 1)) > s.spike_mad
