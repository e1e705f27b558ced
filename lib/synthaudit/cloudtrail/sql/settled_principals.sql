-- Principals with an established baseline: active on at least `min_baseline_days` days of
-- the baseline window (AWS services excluded). The new-behaviour detectors judge only these:
-- for a principal seen once or twice before, everything is new.
SELECT a.principal_arn
FROM activity a CROSS JOIN settings s
WHERE NOT a.in_review AND a.principal_arn IS NOT NULL AND a.principal_type <> 'AWSService'
GROUP BY a.principal_arn
HAVING count(DISTINCT a.event_day) >= max(s.min_baseline_days)
