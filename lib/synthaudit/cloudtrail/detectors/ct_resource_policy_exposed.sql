-- A resource policy or grant set to admit everyone, or an account outside the organisation
-- (neither in params nor among the accounts whose events are in the logs), with no condition
-- that bounds it: S3 bucket policies and ACLs, KMS key policies, SQS queue and SNS topic
-- policies, ECR repository policies, OpenSearch / Elasticsearch access policies, Glue resource
-- policies, Lake Formation grants. Who each call admits is read by the IAM engine's parser
-- (exposure.py: `exposure_grants`). Needs no environment classification; a production
-- resource (or one in a production account) raises the severity. Failed calls are attempts.
WITH opened AS (
  SELECT event_id, string_agg(detail, '; ' ORDER BY detail) AS detail
  FROM exposure_grants WHERE scope IN ('everyone', 'outside') GROUP BY event_id
),
calls AS (
  SELECT c.*, o.detail AS grants,
         CASE c.event_source
           WHEN 'sqs.amazonaws.com' THEN 'arn:aws:sqs:' || c.region || ':' || c.account || ':'
             || regexp_extract(json_extract_string(c.request_parameters, '$.queueUrl'), '([^/]+)$', 1)
           WHEN 'sns.amazonaws.com' THEN json_extract_string(c.request_parameters, '$.topicArn')
           WHEN 'ecr.amazonaws.com' THEN 'arn:aws:ecr:' || c.region || ':'
             || coalesce(json_extract_string(c.request_parameters, '$.registryId'), c.account) || ':repository/'
             || json_extract_string(c.request_parameters, '$.repositoryName')
           WHEN 'es.amazonaws.com' THEN 'arn:aws:es:' || c.region || ':' || c.account || ':domain/'
             || json_extract_string(c.request_parameters, '$.domainName')
           WHEN 'glue.amazonaws.com' THEN coalesce(json_extract_string(c.request_parameters, '$.resourceArn'),
             'arn:aws:glue:' || c.region || ':' || c.account || ':catalog')
         END AS policy_resource
  FROM classified c JOIN opened o ON o.event_id = c.event_id
  WHERE c.in_review
)
SELECT k.event_time, k.principal_arn AS principal, k.event_name AS action,
       coalesce(k.policy_resource, k.resource_arn) AS resource, k.account, k.region,
       k.grants || coalesce(' (error ' || k.error_code || ')', '') AS detail,
       1 AS events, k.event_id AS event_ids, k.error_code IS NOT NULL AS failed,
       coalesce(e.environment, nullif(k.resource_env, 'unknown'), k.account_env) AS environment
FROM calls k
LEFT JOIN environment e ON e.arn = coalesce(k.policy_resource, k.resource_arn)
