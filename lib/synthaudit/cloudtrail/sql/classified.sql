-- Events with the environment of their principal, resource and account, whether they
-- fall in the review window, and the caller's network (/24) and client (user-agent
-- product). Detectors read `classified`; both engines build it from `events`,
-- `environment`, `accounts` and `settings` with this same SQL.
-- The ARN lookup is worked out once per distinct ARN (a few thousand) and joined back,
-- so its regular expression never runs once per event.
WITH arns AS (
  SELECT a.arn, coalesce(direct.environment, by_id.environment) AS environment
  FROM (SELECT principal_arn AS arn FROM events UNION SELECT resource_arn FROM events) a
  LEFT JOIN environment direct ON direct.arn = a.arn
  LEFT JOIN (SELECT resource_id, min(environment) AS environment FROM environment GROUP BY resource_id) by_id
    ON by_id.resource_id = regexp_extract(a.arn, '[:/]([^:/]+)$', 1)
  WHERE a.arn IS NOT NULL
)
SELECT
  e.*,
  coalesce(pe.environment, pa.environment, 'unknown') AS principal_env,
  coalesce(re.environment, ra.environment, 'unknown') AS resource_env,
  coalesce(ea.environment, 'unknown') AS account_env,
  e.event_time >= s.review_start AS in_review,
  -- AWS-internal callers (service hostnames) are not networks
  CASE WHEN regexp_matches(e.source_ip, '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$')
       THEN regexp_extract(e.source_ip, '^([0-9]+\.[0-9]+\.[0-9]+)\.', 1) || '.0/24'
       WHEN strpos(e.source_ip, ':') > 0 THEN e.source_ip
  END AS network,
  lower(regexp_extract(coalesce(e.user_agent, ''), '^\[?([A-Za-z0-9._-]+)', 1)) AS client
FROM events e
CROSS JOIN settings s
LEFT JOIN arns pe ON pe.arn = e.principal_arn
LEFT JOIN accounts pa ON pa.account = e.principal_account
LEFT JOIN arns re ON re.arn = e.resource_arn
LEFT JOIN accounts ra ON ra.account = e.resource_account
LEFT JOIN accounts ea ON ea.account = e.account
