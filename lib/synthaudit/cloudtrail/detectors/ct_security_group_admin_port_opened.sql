-- Security group ingress opened to the whole internet (/0) on an administrative port.
-- Failed calls are reported as attempts.
WITH rules AS (
  SELECT c.*,
         TRY_CAST(nullif(regexp_extract(request_parameters, '"fromPort"\s*:\s*(-?[0-9]+)', 1), '') AS INTEGER) AS from_port,
         TRY_CAST(nullif(regexp_extract(request_parameters, '"toPort"\s*:\s*(-?[0-9]+)', 1), '') AS INTEGER) AS to_port,
         regexp_matches(request_parameters, '"ipProtocol"\s*:\s*"-1"') AS all_traffic
  FROM classified c
  WHERE c.in_review AND c.event_source = 'ec2.amazonaws.com'
    AND c.event_name IN ('AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules')
    AND regexp_matches(c.request_parameters, '/0"')
)
SELECT r.event_time, r.principal_arn AS principal, r.event_name AS action, r.resource_arn AS resource,
       r.account, r.region,
       'ingress from anywhere on ports ' || coalesce(CAST(r.from_port AS VARCHAR), 'all') || '-'
         || coalesce(CAST(r.to_port AS VARCHAR), 'all') AS detail,
       1 AS events, r.event_id AS event_ids, r.error_code IS NOT NULL AS failed, r.resource_env AS environment
FROM rules r
WHERE r.all_traffic OR r.from_port = -1
   OR EXISTS (SELECT 1 FROM admin_ports p WHERE p.port BETWEEN r.from_port AND r.to_port)
