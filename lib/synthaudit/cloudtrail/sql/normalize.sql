-- One CloudTrail record -> one normalised event row.
-- Reads relation `raw`: the CloudTrail record fields (schema.py) plus `source_file`.
-- Written in DuckDB SQL; engines.to_trino() turns it into the Athena view over the
-- standard CloudTrail table, so both engines normalise the same way.
WITH r AS (
  SELECT
    strptime(eventtime, '%Y-%m-%dT%H:%M:%SZ') AS event_time,
    coalesce(recipientaccountid, useridentity.accountid) AS account,
    awsregion AS region,
    eventsource AS event_source,
    eventname AS event_name,
    eventtype AS event_type,
    eventcategory AS event_category,
    lower(CAST(readonly AS VARCHAR)) = 'true' AS read_only,
    lower(CAST(managementevent AS VARCHAR)) = 'true' AS management_event,
    useridentity.type AS principal_type,
    CASE
      WHEN useridentity.type = 'AssumedRole' AND useridentity.sessioncontext.sessionissuer.arn IS NOT NULL
        THEN useridentity.sessioncontext.sessionissuer.arn
      WHEN useridentity.type = 'Root' THEN 'arn:aws:iam::' || useridentity.accountid || ':root'
      WHEN useridentity.type = 'AWSService' THEN useridentity.invokedby
      ELSE coalesce(useridentity.arn, useridentity.invokedby, useridentity.principalid)
    END AS principal_arn,
    useridentity.arn AS identity_arn,
    useridentity.accountid AS principal_account,
    useridentity.username AS user_name,
    useridentity.invokedby AS invoked_by,
    useridentity.sessioncontext.attributes.mfaauthenticated AS mfa_authenticated,
    sourceipaddress AS source_ip,
    useragent AS user_agent,
    -- a record with an errorMessage but no errorCode failed too (failed console sign-ins,
    -- some services' validation errors): 'Failed' stands in for the code it lacks
    coalesce(errorcode, CASE WHEN errormessage IS NOT NULL THEN 'Failed' END) AS error_code,
    CAST(requestparameters AS VARCHAR) AS request_parameters,
    CAST(responseelements AS VARCHAR) AS response_elements,
    CAST(additionaleventdata AS VARCHAR) AS additional_event_data,
    resources[1].arn AS first_resource_arn,
    coalesce(resources[1].accountid, resources[2].accountid) AS listed_resource_account,
    eventid AS event_id,
    source_file,
    -- each payload field is parsed only for the service that has it (JSON parsing dominates)
    CASE WHEN eventsource = 's3.amazonaws.com'
      THEN json_extract_string(requestparameters, '$.bucketName') END AS p_bucket,
    CASE WHEN eventsource = 'cloudtrail.amazonaws.com'
      THEN coalesce(json_extract_string(requestparameters, '$.name'),
                    json_extract_string(requestparameters, '$.trailName')) END AS p_trail,
    CASE WHEN eventsource = 'kms.amazonaws.com'
      THEN json_extract_string(requestparameters, '$.keyId') END AS p_key,
    CASE WHEN eventsource = 'ec2.amazonaws.com'
      THEN coalesce(json_extract_string(requestparameters, '$.snapshotId'),
                    json_extract_string(requestparameters, '$.sourceSnapshotId')) END AS p_snapshot,
    CASE WHEN eventsource = 'ec2.amazonaws.com'
      THEN json_extract_string(requestparameters, '$.imageId') END AS p_image,
    CASE WHEN eventsource = 'ec2.amazonaws.com'
      THEN json_extract_string(requestparameters, '$.groupId') END AS p_group,
    CASE WHEN eventsource = 'ec2.amazonaws.com' AND eventname = 'DeleteFlowLogs'
      THEN coalesce(json_extract_string(requestparameters, '$.DeleteFlowLogsRequest.FlowLogId.content'),
                    json_extract_string(requestparameters, '$.flowLogIds[0]')) END AS p_flow_log,
    CASE WHEN eventsource = 'rds.amazonaws.com'
      THEN coalesce(json_extract_string(requestparameters, '$.sourceDBSnapshotIdentifier'),
                    json_extract_string(requestparameters, '$.dBSnapshotIdentifier')) END AS p_db_snapshot,
    CASE WHEN eventsource = 'rds.amazonaws.com'
      THEN coalesce(json_extract_string(requestparameters, '$.sourceDBClusterSnapshotIdentifier'),
                    json_extract_string(requestparameters, '$.dBClusterSnapshotIdentifier'),
                    json_extract_string(requestparameters, '$.snapshotIdentifier')) END AS p_db_cluster_snapshot,
    CASE WHEN eventsource IN ('rds.amazonaws.com', 'rds-data.amazonaws.com')
      THEN coalesce(json_extract_string(requestparameters, '$.resourceArn'),
                    json_extract_string(requestparameters, '$.dBClusterIdentifier'),
                    json_extract_string(requestparameters, '$.dBInstanceIdentifier')) END AS p_db,
    CASE WHEN eventsource = 'config.amazonaws.com'
      THEN json_extract_string(requestparameters, '$.configurationRecorderName') END AS p_recorder,
    CASE
      WHEN eventname = 'ModifySnapshotAttribute'
        THEN CAST(json_extract(requestparameters, '$.createVolumePermission.add') AS VARCHAR)
      WHEN eventname = 'ModifyImageAttribute'
        THEN CAST(json_extract(requestparameters, '$.launchPermission.add') AS VARCHAR)
      WHEN eventname IN ('ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute')
           AND json_extract_string(requestparameters, '$.attributeName') = 'restore'
        THEN CAST(json_extract(requestparameters, '$.valuesToAdd') AS VARCHAR)
    END AS shared_with
  FROM raw
  WHERE eventtime IS NOT NULL AND eventname IS NOT NULL AND eventsource IS NOT NULL
)
SELECT
  n.*,
  coalesce(listed_resource_account,
           nullif(regexp_extract(resource_arn, '^arn:[^:]*:[^:]*:[^:]*:([0-9]{12}):', 1), ''),
           -- EBS snapshot and AMI ARNs carry no account (as AWS writes them): the call's account
           CASE WHEN regexp_matches(resource_arn, '^arn:[^:]*:ec2:[^:]*::(snapshot|image)/') THEN n.account END
  ) AS resource_account
FROM (
SELECT
  event_time,
  CAST(event_time AS DATE) AS event_day,
  coalesce(account, 'unknown') AS account,
  coalesce(region, 'unknown') AS region,
  event_source, event_name, event_type, event_category, read_only, management_event,
  principal_type, principal_arn, identity_arn, principal_account, user_name, invoked_by,
  mfa_authenticated, source_ip, user_agent, error_code,
  request_parameters, response_elements, additional_event_data,
  CASE
    WHEN event_source = 's3.amazonaws.com' AND p_bucket IS NOT NULL THEN 'arn:aws:s3:::' || p_bucket
    WHEN event_source = 'cloudtrail.amazonaws.com' AND p_trail IS NOT NULL THEN
      CASE WHEN p_trail LIKE 'arn:%' THEN p_trail
           ELSE 'arn:aws:cloudtrail:' || region || ':' || account || ':trail/' || p_trail END
    WHEN event_source = 'kms.amazonaws.com' THEN coalesce(first_resource_arn,
      CASE WHEN p_key LIKE 'arn:%' THEN p_key
           WHEN p_key IS NOT NULL THEN 'arn:aws:kms:' || region || ':' || account || ':key/' || p_key END)
    WHEN event_source = 'ec2.amazonaws.com' AND p_snapshot IS NOT NULL
      THEN 'arn:aws:ec2:' || region || '::snapshot/' || p_snapshot
    WHEN event_source = 'ec2.amazonaws.com' AND p_image IS NOT NULL
      THEN 'arn:aws:ec2:' || region || '::image/' || p_image
    WHEN event_source = 'ec2.amazonaws.com' AND p_flow_log IS NOT NULL
      THEN 'arn:aws:ec2:' || region || ':' || account || ':vpc-flow-log/' || p_flow_log
    WHEN event_source = 'ec2.amazonaws.com' AND p_group IS NOT NULL
      THEN 'arn:aws:ec2:' || region || ':' || account || ':security-group/' || p_group
    WHEN event_source = 'rds.amazonaws.com' AND p_db_snapshot IS NOT NULL THEN
      CASE WHEN p_db_snapshot LIKE 'arn:%' THEN p_db_snapshot
           ELSE 'arn:aws:rds:' || region || ':' || account || ':snapshot:' || p_db_snapshot END
    WHEN event_source = 'rds.amazonaws.com' AND p_db_cluster_snapshot IS NOT NULL THEN
      CASE WHEN p_db_cluster_snapshot LIKE 'arn:%' THEN p_db_cluster_snapshot
           ELSE 'arn:aws:rds:' || region || ':' || account || ':cluster-snapshot:' || p_db_cluster_snapshot END
    WHEN event_source IN ('rds-data.amazonaws.com', 'rds.amazonaws.com') AND p_db IS NOT NULL THEN
      CASE WHEN p_db LIKE 'arn:%' THEN p_db
           ELSE 'arn:aws:rds:' || region || ':' || account || ':db:' || p_db END
    WHEN event_source = 'config.amazonaws.com' AND p_recorder IS NOT NULL
      THEN 'arn:aws:config:' || region || ':' || account || ':config-recorder/' || p_recorder
    ELSE first_resource_arn
  END AS resource_arn,
  p_bucket AS bucket_name,
  shared_with,
  event_id,
  source_file,
  listed_resource_account
FROM r
) AS n
