-- EBS snapshots, RDS (cluster) snapshots and AMIs shared publicly or with accounts that
-- are not of the resource's own (known) environment. Failed calls are reported as attempts.
SELECT c.event_time, c.principal_arn AS principal, c.event_name AS action, c.resource_arn AS resource,
       c.account, c.region,
       'shared with ' || array_to_string(regexp_extract_all(c.shared_with, '[0-9]{12}|"all"'), ',') || ' (resource environment '
         || c.resource_env || ')' || coalesce(' (error ' || c.error_code || ')', '') AS detail,
       1 AS events, c.event_id AS event_ids, c.error_code IS NOT NULL AS failed, c.resource_env AS environment
FROM classified c
WHERE c.in_review
  AND c.event_name IN ('ModifySnapshotAttribute', 'ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute', 'ModifyImageAttribute')
  AND c.shared_with IS NOT NULL
  AND (regexp_matches(c.shared_with, '"all"')
       OR array_length(regexp_extract_all(c.shared_with, '[0-9]{12}')) > (
            SELECT count(*) FROM accounts a
            WHERE c.resource_env <> 'unknown' AND a.environment = c.resource_env AND strpos(c.shared_with, a.account) > 0))
