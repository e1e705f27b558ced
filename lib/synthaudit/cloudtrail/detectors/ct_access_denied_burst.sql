-- Bursts of access-denied errors by one principal within one hour (probing for access). The
-- burst itself is the finding, so `failed` stays false: it is not an attempt of something else.
SELECT min(c.event_time) AS event_time, c.principal_arn AS principal, min(c.event_name) AS action,
       c.principal_arn AS resource, min(c.account) AS account, min(c.region) AS region,
       CAST(count(*) AS VARCHAR) || ' denied calls in one hour across ' || CAST(count(DISTINCT c.event_name) AS VARCHAR) || ' actions' AS detail,
       count(*) AS events, string_agg(c.event_id, ',') AS event_ids,
       false AS failed, CAST(NULL AS VARCHAR) AS environment
FROM classified c CROSS JOIN settings s
WHERE c.in_review AND c.principal_arn IS NOT NULL
  AND c.error_code IN ('AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'Client.UnauthorizedOperation', 'UnauthorizedAccess', 'Forbidden')
GROUP BY c.principal_arn, date_trunc('hour', c.event_time)
HAVING count(*) >= max(s.denied_burst)
