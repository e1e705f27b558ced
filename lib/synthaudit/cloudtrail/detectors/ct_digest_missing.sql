-- Log files no digest file covers, where the trail otherwise delivers digests
-- (validation switched off, or digests deleted).
SELECT event_time, CAST(NULL AS VARCHAR) AS principal, problem AS action, object_uri AS resource,
       account, region, detail, 1 AS events, CAST(NULL AS VARCHAR) AS event_ids, false AS failed, CAST(NULL AS VARCHAR) AS environment
FROM integrity
WHERE problem IN ('digest_missing', 'digest_unreadable')
