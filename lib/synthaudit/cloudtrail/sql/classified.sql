-- Events with the environment of their principal, resource and account, and whether
-- they fall in the review window. Detectors read `classified`; both engines build it
-- from `events`, `environment`, `accounts` and `settings` with this same SQL.
SELECT
  e.*,
  coalesce(pe.environment, pa.environment, 'unknown') AS principal_env,
  coalesce(re.environment, ri.environment, ra.environment, 'unknown') AS resource_env,
  coalesce(ea.environment, 'unknown') AS account_env,
  e.event_time >= s.review_start AS in_review
FROM events e
CROSS JOIN settings s
LEFT JOIN environment pe ON pe.arn = e.principal_arn
LEFT JOIN accounts pa ON pa.account = e.principal_account
LEFT JOIN environment re ON re.arn = e.resource_arn
LEFT JOIN (SELECT resource_id, min(environment) AS environment FROM environment GROUP BY resource_id) ri
  ON ri.resource_id = regexp_extract(e.resource_arn, '[:/]([^:/]+)$', 1)
LEFT JOIN accounts ra ON ra.account = e.resource_account
LEFT JOIN accounts ea ON ea.account = e.account
