-- A principal calling from a network (/24) or client (user agent product) never seen in
-- its baseline (`network` and `client` come from sql/classified.sql). Reads `activity`
-- (sql/activity.sql).
WITH tagged AS (
  SELECT a.* FROM activity a WHERE a.principal_arn IS NOT NULL AND a.principal_type <> 'AWSService'
),
seen_net AS (SELECT DISTINCT principal_arn, network FROM tagged WHERE NOT in_review AND network IS NOT NULL),
seen_client AS (SELECT DISTINCT principal_arn, client FROM tagged WHERE NOT in_review)
SELECT min(t.first_time) AS event_time, t.principal_arn AS principal, min(t.event_name) AS action,
       t.principal_arn AS resource, min(t.account) AS account, min(t.region) AS region,
       CASE WHEN n.principal_arn IS NULL AND t.network IS NOT NULL THEN 'new network ' || t.network ELSE '' END
         || CASE WHEN k.principal_arn IS NULL THEN ' new client ' || t.client ELSE '' END AS detail,
       sum(t.n) AS events, string_agg(t.event_ids, ',') AS event_ids, false AS failed, CAST(NULL AS VARCHAR) AS environment
FROM tagged t
JOIN settled_principals USING (principal_arn)
LEFT JOIN seen_net n ON n.principal_arn = t.principal_arn AND n.network = t.network
LEFT JOIN seen_client k ON k.principal_arn = t.principal_arn AND k.client = t.client
WHERE t.in_review AND ((n.principal_arn IS NULL AND t.network IS NOT NULL) OR k.principal_arn IS NULL)
GROUP BY t.principal_arn, t.network, t.client, n.principal_arn, k.principal_arn
