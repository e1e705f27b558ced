-- Accounts in scope (params) with no event at all in the review window, and
-- account/regions with baseline events but none in the review window.
WITH seen AS (
  SELECT account, region, bool_or(in_review) AS in_review_seen FROM classified GROUP BY account, region
)
SELECT s.review_start AS event_time, CAST(NULL AS VARCHAR) AS principal, 'no events' AS action,
       CAST(NULL AS VARCHAR) AS resource, a.account, CAST(NULL AS VARCHAR) AS region,
       'no events from this account in the review window' AS detail, 0 AS events, CAST(NULL AS VARCHAR) AS event_ids, false AS failed, a.environment AS environment
FROM accounts a CROSS JOIN settings s
WHERE NOT EXISTS (SELECT 1 FROM seen WHERE seen.account = a.account AND seen.in_review_seen)
UNION ALL
SELECT s.review_start AS event_time, CAST(NULL AS VARCHAR) AS principal, 'no events' AS action,
       CAST(NULL AS VARCHAR) AS resource, seen.account, seen.region,
       'events in the baseline but none in the review window' AS detail, 0 AS events, CAST(NULL AS VARCHAR) AS event_ids, false AS failed, CAST(NULL AS VARCHAR) AS environment
FROM seen CROSS JOIN settings s
WHERE NOT seen.in_review_seen
  AND EXISTS (SELECT 1 FROM seen other WHERE other.account = seen.account AND other.in_review_seen)
