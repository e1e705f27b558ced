"""The snapshot schema: every table (kind) and its columns, in one place.

Phases 02 and 03 code against these names; ``inventory/README.md`` is generated
from this module (``python -m synthaudit.inventory.schema > README-tables``) so the
two cannot drift. Columns are only ever added, never renamed or removed.

Types: ``str`` (null allowed), ``bool`` (null when unknown), ``int`` (null when
unknown), ``json`` (a JSON text, sorted keys; ``"null"`` never used: empty list
``[]`` / object ``{}`` or null when the read was not possible).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # str | bool | int | json
    doc: str


@dataclass(frozen=True)
class Table:
    kind: str
    service: str
    doc: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(name: str, type_: str, doc: str) -> Column:
    return Column(name, type_, doc)


COMMON = (
    _c("arn", "str", "full ARN (architecture.md conventions); the row's identity"),
    _c("account", "str", "12-digit account id owning the thing"),
    _c("region", "str", "region, or 'global' for IAM / Organizations"),
    _c("name", "str", "human name (bucket name, role name, group id, ...)"),
    _c("environment", "str", "production | synthetic | shared | external | unknown (classify.py)"),
    _c("environment_rule", "str", "the rule that decided environment, e.g. 'tag:Environment=synthetic'"),
    _c("tags", "json", "tags as a JSON object {key: value}, sorted"),
)

_T: list[Table] = []


def _table(kind: str, service: str, doc: str, *cols: Column) -> None:
    _T.append(Table(kind, service, doc, COMMON + tuple(cols)))


# --- organizations -----------------------------------------------------------
_table("org_accounts", "organizations", "Every account of the organisation (plus params accounts not in it).",
       _c("account_id", "str", "the account's id (same as `account`)"),
       _c("email", "str", "account email"),
       _c("status", "str", "ACTIVE | SUSPENDED | ... (null when not in the organisation)"),
       _c("parent_id", "str", "direct parent (root or OU id)"),
       _c("ou_path", "json", "OU names from the root down, e.g. [\"Workloads\", \"Production\"]"),
       _c("ou_ids", "json", "OU ids from the root down"),
       _c("in_params", "bool", "listed in params.accounts"),
       _c("in_organization", "bool", "returned by organizations:ListAccounts"))
_table("org_units", "organizations", "Organizational units (tree: parent_id).",
       _c("ou_id", "str", "ou-... id"),
       _c("parent_id", "str", "parent root/OU id"),
       _c("ou_path", "json", "names from the root down, including this OU"))
_table("org_policies", "organizations", "Service control policies with content and direct targets. "
       "moto does not list policies inherited from a parent OU: walk org_units.parent_id.",
       _c("policy_id", "str", "p-... id"),
       _c("type", "str", "SERVICE_CONTROL_POLICY"),
       _c("aws_managed", "bool", "AWS managed (FullAWSAccess)"),
       _c("description", "str", ""),
       _c("content", "json", "the policy document"),
       _c("targets", "json", "ids of roots/OUs/accounts it is attached to directly"))

# --- iam -----------------------------------------------------------------------
_IAM_PRINCIPAL = (
    _c("path", "str", "IAM path"),
    _c("unique_id", "str", "AROA/AIDA/AGPA id"),
    _c("create_date", "str", "ISO 8601"),
    _c("attached_policy_arns", "json", "managed policies attached, sorted ARNs"),
    _c("inline_policies", "json", "{policy name: document}"),
    _c("permissions_boundary_arn", "str", "permissions boundary policy ARN"),
)
_table("iam_roles", "iam", "IAM roles (from GetAccountAuthorizationDetails).",
       *_IAM_PRINCIPAL,
       _c("assume_role_policy", "json", "trust policy document"),
       _c("instance_profile_arns", "json", "instance profiles containing the role"),
       _c("last_used_date", "str", "RoleLastUsed.LastUsedDate (ISO) when AWS reports it"),
       _c("is_service_linked", "bool", "path starts with /aws-service-role/"),
       _c("is_audit_role", "bool", "the kit's own read-only audit role (left out of the analysis)"),
       _c("audit_role_beyond_reading", "json",
          "for a role named as the audit role: what its policies grant beyond reading (empty: read-only)"))
_table("iam_users", "iam", "IAM users.",
       *_IAM_PRINCIPAL,
       _c("group_names", "json", "groups the user is in"))
_table("iam_groups", "iam", "IAM groups.",
       *_IAM_PRINCIPAL[:5])
_table("iam_policies", "iam", "Managed policies (customer and the AWS managed ones that are attached), "
       "joined by ARN; document = default version.",
       _c("policy_id", "str", "ANPA id"),
       _c("path", "str", ""),
       _c("default_version_id", "str", "v1 ..."),
       _c("attachment_count", "int", ""),
       _c("is_aws_managed", "bool", "arn:aws:iam::aws:policy/..."),
       _c("document", "json", "default version document"))
_table("iam_instance_profiles", "iam", "Instance profiles and their roles.",
       _c("instance_profile_id", "str", "AIPA id"),
       _c("path", "str", ""),
       _c("role_arns", "json", "roles in the profile"))

# --- s3 --------------------------------------------------------------------------
_table("s3_buckets", "s3", "Buckets with policy, encryption, public access and a key sample.",
       _c("creation_date", "str", "ISO 8601"),
       _c("policy", "json", "bucket policy document, null when none"),
       _c("sse_algorithm", "str", "AES256 | aws:kms | aws:kms:dsse, null when none reported"),
       _c("kms_key_id", "str", "KMSMasterKeyID as configured (ARN, id or alias)"),
       _c("bucket_key_enabled", "bool", ""),
       _c("block_public_acls", "bool", "bucket-level public access block; null = not configured"),
       _c("ignore_public_acls", "bool", ""),
       _c("block_public_policy", "bool", ""),
       _c("restrict_public_buckets", "bool", ""),
       _c("acl_public_read", "bool", "ACL grants READ to AllUsers/AuthenticatedUsers"),
       _c("acl_public_write", "bool", "ACL grants WRITE/WRITE_ACP/FULL_CONTROL to AllUsers/AuthenticatedUsers"),
       _c("acl_grants", "json", "[{grantee, type, permission}]"),
       _c("versioning", "str", "Enabled | Suspended | null"),
       _c("key_sample", "json", "first keys (ListObjectsV2 MaxKeys small), sorted"),
       _c("key_prefixes", "json", "top-level prefixes (Delimiter '/'), sorted"),
       _c("key_sample_truncated", "bool", "more objects exist than sampled"),
       _c("object_tag_sample", "json", "[{prefix, objects, tags: [{key: value} per object]}]: GetObjectTagging "
          "on up to segregation.object_sample.per_prefix objects per top-level prefix ('' = root), first "
          "max_prefixes prefixes; no keys; null when the prefixes could not be listed"),
       _c("detail_errors", "json", "{call: classified error} for detail reads that failed"))

# --- kms ---------------------------------------------------------------------------
_table("kms_keys", "kms", "KMS keys with aliases, key policy and tags.",
       _c("key_id", "str", ""),
       _c("aliases", "json", "alias names"),
       _c("description", "str", ""),
       _c("key_state", "str", "Enabled | Disabled | PendingDeletion ..."),
       _c("key_manager", "str", "CUSTOMER | AWS"),
       _c("key_usage", "str", ""),
       _c("key_spec", "str", ""),
       _c("multi_region", "bool", ""),
       _c("creation_date", "str", "ISO 8601"),
       _c("policy", "json", "key policy 'default'"))
_table("kms_aliases", "kms", "KMS aliases (also AWS-managed ones).",
       _c("target_key_id", "str", ""),
       _c("target_key_arn", "str", "key ARN"))

# --- ec2 / network -------------------------------------------------------------------
_table("ec2_vpcs", "ec2", "VPCs.",
       _c("vpc_id", "str", ""), _c("cidr_block", "str", "primary CIDR"),
       _c("cidr_blocks", "json", "all IPv4 CIDRs"), _c("is_default", "bool", ""), _c("state", "str", ""))
_table("ec2_subnets", "ec2", "Subnets.",
       _c("subnet_id", "str", ""), _c("vpc_id", "str", ""), _c("cidr_block", "str", ""),
       _c("availability_zone", "str", ""), _c("map_public_ip_on_launch", "bool", ""))
_table("ec2_security_groups", "ec2", "Security groups; rules are flattened in ec2_security_group_rules.",
       _c("group_id", "str", ""), _c("group_name", "str", ""), _c("vpc_id", "str", ""),
       _c("description", "str", ""),
       _c("ingress", "json", "IpPermissions as AWS returns them"),
       _c("egress", "json", "IpPermissionsEgress as AWS returns them"))
_table("ec2_security_group_rules", "ec2", "One row per (group, direction, permission, peer). "
       "arn/name/environment are the group's.",
       _c("group_id", "str", ""), _c("vpc_id", "str", ""),
       _c("direction", "str", "ingress | egress"),
       _c("ip_protocol", "str", "tcp | udp | icmp | -1"),
       _c("from_port", "int", "null for all ports"), _c("to_port", "int", "null for all ports"),
       _c("peer_type", "str", "cidr | ipv6 | prefix_list | group"),
       _c("peer", "str", "CIDR, prefix list id or referenced group id"),
       _c("peer_account", "str", "owner of the referenced group (UserId), else null"),
       _c("description", "str", ""))
_table("ec2_vpc_peering", "ec2", "VPC peering connections (seen from each side that lists them).",
       _c("peering_id", "str", ""), _c("status", "str", ""),
       _c("requester_account", "str", ""), _c("requester_vpc_id", "str", ""),
       _c("requester_region", "str", ""), _c("requester_cidr", "str", ""),
       _c("accepter_account", "str", ""), _c("accepter_vpc_id", "str", ""),
       _c("accepter_region", "str", ""), _c("accepter_cidr", "str", ""))
_table("ec2_route_tables", "ec2", "Route tables; routes are flattened in ec2_routes.",
       _c("route_table_id", "str", ""), _c("vpc_id", "str", ""),
       _c("subnet_ids", "json", "associated subnets"), _c("main", "bool", "main route table of the VPC"),
       _c("routes", "json", "Routes as AWS returns them"))
_table("ec2_routes", "ec2", "One row per route. arn/name/environment are the route table's.",
       _c("route_table_id", "str", ""), _c("vpc_id", "str", ""),
       _c("destination", "str", "IPv4/IPv6 CIDR or prefix list"),
       _c("target_type", "str", "gateway | vpc_peering | nat_gateway | transit_gateway | instance | "
          "network_interface | vpc_endpoint | local | other"),
       _c("target_id", "str", ""), _c("state", "str", ""))
_table("ec2_vpc_endpoints", "ec2", "VPC endpoints with their policy.",
       _c("endpoint_id", "str", ""), _c("vpc_id", "str", ""), _c("service_name", "str", ""),
       _c("endpoint_type", "str", "Gateway | Interface | ..."), _c("state", "str", ""),
       _c("policy", "json", "endpoint policy document"),
       _c("route_table_ids", "json", ""), _c("subnet_ids", "json", ""))
_table("ec2_instances", "ec2", "EC2 instances with their instance profile.",
       _c("instance_id", "str", ""), _c("state", "str", ""), _c("instance_type", "str", ""),
       _c("image_id", "str", ""), _c("vpc_id", "str", ""), _c("subnet_id", "str", ""),
       _c("instance_profile_arn", "str", ""), _c("security_group_ids", "json", ""),
       _c("private_ip", "str", ""), _c("public_ip", "str", ""), _c("launch_time", "str", "ISO 8601"),
       _c("image_owner", "str", "owner of the image the instance runs (account id, or the alias "
          "'amazon' / 'aws-marketplace'); null when the image could not be described"))
_table("ec2_volumes", "ec2", "EBS volumes, with the snapshot they were created from.",
       _c("volume_id", "str", ""), _c("snapshot_id", "str", "source snapshot, null when none"),
       _c("encrypted", "bool", ""), _c("kms_key_id", "str", ""), _c("size_gib", "int", ""),
       _c("state", "str", ""), _c("availability_zone", "str", ""),
       _c("attached_instance_ids", "json", ""), _c("create_time", "str", "ISO 8601"))
_table("ec2_snapshots", "ec2", "EBS snapshots owned by the account, with createVolumePermission sharing.",
       _c("snapshot_id", "str", ""), _c("volume_id", "str", "source volume"),
       _c("encrypted", "bool", ""), _c("kms_key_id", "str", ""), _c("owner_id", "str", ""),
       _c("description", "str", ""), _c("state", "str", ""), _c("start_time", "str", "ISO 8601"),
       _c("shared_with", "json", "account ids with createVolumePermission, sorted"),
       _c("public", "bool", "createVolumePermission Group=all"),
       _c("source_snapshot_id", "str", "for a copy (CopySnapshot): the source snapshot, from the description "
          "'Copied snap-… from REGION' or a tag holding a snapshot id; null otherwise"),
       _c("source_region", "str", "region of the source snapshot of a copy"))
_table("ec2_images", "ec2", "AMIs owned by the account, with the snapshots behind their block devices "
       "and launchPermission sharing.",
       _c("image_id", "str", ""), _c("state", "str", ""), _c("owner_id", "str", ""),
       _c("description", "str", ""),
       _c("public", "bool", "launch permission to everyone (Public, or launchPermission Group=all)"),
       _c("block_device_snapshot_ids", "json", "SnapshotId of every EBS block device mapping, sorted"),
       _c("source_image_id", "str", "for a copy (CopyImage): SourceImageId when AWS reports it"),
       _c("source_region", "str", "SourceImageRegion"),
       _c("creation_date", "str", "ISO 8601"),
       _c("shared_with", "json", "account ids, organization and OU ARNs with launchPermission "
          "(DescribeImageAttribute), sorted; null when the attribute could not be read"))

# --- rds ------------------------------------------------------------------------------------
_table("rds_instances", "rds", "RDS DB instances.",
       _c("db_instance_id", "str", ""), _c("engine", "str", ""), _c("engine_version", "str", ""),
       _c("status", "str", ""), _c("db_cluster_id", "str", ""), _c("endpoint_address", "str", ""),
       _c("endpoint_port", "int", ""), _c("storage_encrypted", "bool", ""), _c("kms_key_id", "str", ""),
       _c("publicly_accessible", "bool", ""), _c("vpc_id", "str", ""),
       _c("security_group_ids", "json", ""), _c("subnet_ids", "json", ""),
       _c("read_replica_source", "str", "ReadReplicaSourceDBInstanceIdentifier"),
       _c("iam_database_authentication_enabled", "bool", "IAMDatabaseAuthenticationEnabled: rds-db:connect works"))
_table("rds_clusters", "rds", "RDS / Aurora DB clusters.",
       _c("db_cluster_id", "str", ""), _c("engine", "str", ""), _c("engine_version", "str", ""),
       _c("status", "str", ""), _c("endpoint", "str", "writer endpoint host"),
       _c("reader_endpoint", "str", ""), _c("port", "int", ""), _c("storage_encrypted", "bool", ""),
       _c("kms_key_id", "str", ""), _c("security_group_ids", "json", ""),
       _c("db_subnet_group", "str", ""), _c("members", "json", "member instance ids"),
       _c("replication_source", "str", "ReplicationSourceIdentifier"),
       _c("iam_database_authentication_enabled", "bool", "IAMDatabaseAuthenticationEnabled: rds-db:connect works"),
       _c("http_endpoint_enabled", "bool", "HttpEndpointEnabled: the Data API (rds-data) works"),
       _c("clone_group_id", "str", "CloneGroupId"))
_RDS_SNAPSHOT = (
    _c("snapshot_id", "str", "identifier"), _c("snapshot_type", "str", "manual | automated | shared"),
    _c("engine", "str", ""), _c("status", "str", ""), _c("encrypted", "bool", ""), _c("kms_key_id", "str", ""),
    _c("create_time", "str", "ISO 8601"),
    _c("shared_with", "json", "account ids in the 'restore' attribute, sorted"),
    _c("public", "bool", "'restore' includes 'all'"),
    _c("source_snapshot", "str", "source snapshot identifier/ARN when a copy"),
    _c("source_region", "str", ""),
)
_table("rds_snapshots", "rds", "DB snapshots owned by the account with restore sharing.",
       _c("db_instance_id", "str", "source instance"), *_RDS_SNAPSHOT)
_table("rds_cluster_snapshots", "rds", "DB cluster snapshots with restore sharing.",
       _c("db_cluster_id", "str", "source cluster"), *_RDS_SNAPSHOT)

# --- lambda --------------------------------------------------------------------------------
_table("lambda_functions", "lambda", "Lambda functions with role and resource policy "
       "(environment variable names only, never values).",
       _c("function_name", "str", ""), _c("runtime", "str", ""), _c("handler", "str", ""),
       _c("role_arn", "str", "execution role"), _c("kms_key_arn", "str", ""),
       _c("vpc_id", "str", ""), _c("subnet_ids", "json", ""), _c("security_group_ids", "json", ""),
       _c("env_var_names", "json", "names of environment variables (values are not collected)"),
       _c("policy", "json", "resource-based policy, null when none"),
       _c("last_modified", "str", ""))

# --- glue ------------------------------------------------------------------------------------
_table("glue_databases", "glue", "Glue Data Catalog databases.",
       _c("database_name", "str", ""), _c("location_uri", "str", ""), _c("description", "str", ""),
       _c("parameters", "json", ""))
_table("glue_tables", "glue", "Glue tables (columns by name and type, no data).",
       _c("database_name", "str", ""), _c("table_name", "str", ""), _c("location", "str", "StorageDescriptor.Location"),
       _c("table_type", "str", ""), _c("columns", "json", "[{Name, Type}]"), _c("parameters", "json", ""))
_table("glue_connections", "glue", "Glue connections (read with HidePassword=True; password keys dropped).",
       _c("connection_name", "str", ""), _c("connection_type", "str", "JDBC | NETWORK | ..."),
       _c("jdbc_url", "str", "JDBC_CONNECTION_URL"), _c("host", "str", "host parsed from the URL"),
       _c("port", "int", "port parsed from the URL"),
       _c("properties", "json", "connection properties without passwords/secrets"),
       _c("subnet_id", "str", ""), _c("security_group_ids", "json", ""))
_table("glue_jobs", "glue", "Glue jobs with role and connections.",
       _c("job_name", "str", ""), _c("role", "str", "Role as configured (name or ARN)"),
       _c("role_arn", "str", "role ARN (built from the name when a name is configured)"),
       _c("connections", "json", "connection names"), _c("command_name", "str", ""),
       _c("script_location", "str", ""), _c("glue_version", "str", ""),
       _c("default_argument_names", "json", "argument names (values may hold secrets)"),
       _c("security_configuration", "str", ""))

_table("glue_catalogs", "glue", "The Data Catalog of each account and region with its encryption settings "
       "(GetDataCatalogEncryptionSettings). arn = arn:aws:glue:REGION:ACCOUNT:catalog.",
       _c("catalog_id", "str", "the account id"),
       _c("encryption_at_rest", "str", "EncryptionAtRest.CatalogEncryptionMode: DISABLED | SSE-KMS | "
          "SSE-KMS-WITH-SERVICE-ROLE; null when the settings could not be read"),
       _c("encryption_kms_key_id", "str", "SseAwsKmsKeyId"),
       _c("connection_password_encrypted", "bool", "ConnectionPasswordEncryption.ReturnConnectionPasswordEncrypted"),
       _c("connection_password_kms_key_id", "str", "AwsKmsKeyId of the connection password encryption"),
       _c("settings_error", "str", "why the settings could not be read (access denied, not supported), else null"),
       _c("policy", "json", "the catalog's resource policy (GetResourcePolicy), null when none or unread"),
       _c("detail_errors", "json", "{call: classified error} when the resource policy could not be read"))

# --- sagemaker -------------------------------------------------------------------------------
_table("sagemaker_notebooks", "sagemaker", "SageMaker notebook instances (from DescribeNotebookInstance).",
       _c("notebook_name", "str", ""), _c("status", "str", ""), _c("instance_type", "str", ""),
       _c("role_arn", "str", ""), _c("kms_key_id", "str", "null = no KMS key"),
       _c("direct_internet_access", "str", "Enabled | Disabled"), _c("root_access", "str", "Enabled | Disabled"),
       _c("subnet_id", "str", ""), _c("security_group_ids", "json", ""))
_table("sagemaker_training_jobs", "sagemaker", "SageMaker training jobs (from DescribeTrainingJob).",
       _c("job_name", "str", ""), _c("status", "str", ""), _c("role_arn", "str", ""),
       _c("output_s3_path", "str", ""), _c("output_kms_key_id", "str", "null = no KMS key"),
       _c("volume_kms_key_id", "str", ""), _c("input_s3_uris", "json", ""),
       _c("network_isolation", "bool", ""), _c("inter_container_encryption", "bool", ""),
       _c("subnet_ids", "json", ""), _c("security_group_ids", "json", ""))

# --- stepfunctions -----------------------------------------------------------------------------
_table("stepfunctions_state_machines", "stepfunctions", "Step Functions state machines.",
       _c("type", "str", "STANDARD | EXPRESS"), _c("status", "str", ""), _c("role_arn", "str", ""),
       _c("definition", "json", "parsed definition (ASL)"),
       _c("state_names", "json", "all state names, nested ones included, sorted"),
       _c("task_resources", "json", "Resource of every Task state, sorted"),
       _c("tracing_enabled", "bool", "X-Ray tracing"), _c("logging_level", "str", "ALL | ERROR | FATAL | OFF"))

# --- sqs / sns (exposure of the queues and topics production records flow through) ----------------
_table("sqs_queues", "sqs", "SQS queues with resource policy and encryption (ListQueues, GetQueueAttributes).",
       _c("queue_url", "str", ""), _c("policy", "json", "the queue's resource policy, null when none or unread"),
       _c("kms_master_key_id", "str", "KmsMasterKeyId (SSE-KMS), null when none"),
       _c("sqs_managed_sse", "bool", "SqsManagedSseEnabled"),
       _c("detail_errors", "json", "{call: classified error} when the attributes could not be read"))
_table("sns_topics", "sns", "SNS topics with resource policy and encryption (ListTopics, GetTopicAttributes).",
       _c("policy", "json", "the topic's access policy, null when none or unread"),
       _c("kms_master_key_id", "str", "KmsMasterKeyId (SSE-KMS), null when none"),
       _c("detail_errors", "json", "{call: classified error} when the attributes could not be read"))

# --- cloudtrail ---------------------------------------------------------------------------------
_table("cloudtrail_trails", "cloudtrail", "Trails (shadow trails from other regions dropped) with status and selectors.",
       _c("home_region", "str", ""), _c("s3_bucket_name", "str", ""), _c("s3_key_prefix", "str", ""),
       _c("is_multi_region", "bool", ""), _c("is_organization_trail", "bool", ""),
       _c("include_global_service_events", "bool", ""), _c("log_file_validation_enabled", "bool", ""),
       _c("kms_key_id", "str", ""), _c("cloudwatch_logs_log_group_arn", "str", ""),
       _c("is_logging", "bool", "GetTrailStatus.IsLogging; null when unknown"),
       _c("event_selectors", "json", "EventSelectors"), _c("advanced_event_selectors", "json", "AdvancedEventSelectors"))

# --- config ----------------------------------------------------------------------------------------
_table("config_recorders", "config", "AWS Config recorders and their status.",
       _c("role_arn", "str", ""), _c("all_supported", "bool", ""),
       _c("include_global_resource_types", "bool", ""), _c("resource_types", "json", ""),
       _c("recording", "bool", "status.recording"), _c("last_status", "str", ""))
_table("config_rules", "config", "AWS Config rules.",
       _c("rule_id", "str", ""), _c("state", "str", ""), _c("source_owner", "str", "AWS | CUSTOM_LAMBDA | ..."),
       _c("source_identifier", "str", "managed rule identifier, e.g. INCOMING_SSH_DISABLED"),
       _c("scope", "json", ""), _c("input_parameters", "json", ""))

# --- lakeformation ---------------------------------------------------------------------------------
_table("lakeformation_permissions", "lakeformation", "Lake Formation grants. arn = the resource's ARN "
       "(glue database/table), name = 'principal -> resource'; environment is the resource's.",
       _c("principal", "str", "DataLakePrincipalIdentifier"),
       _c("principal_environment", "str", "classification of the principal"),
       _c("principal_environment_rule", "str", ""),
       _c("resource_type", "str", "catalog | database | table | table_with_columns | data_location | data_cells_filter"),
       _c("database_name", "str", ""), _c("table_name", "str", "null, a name, or '*' for all tables"),
       _c("column_names", "json", "granted columns, null = all"),
       _c("excluded_column_names", "json", ""),
       _c("cell_filter", "str", "data cells filter name, when the grant is through one"),
       _c("permissions", "json", "sorted"), _c("permissions_with_grant_option", "json", "sorted"),
       _c("resource", "json", "Resource as AWS returns it"))

TABLES: dict[str, Table] = {t.kind: t for t in _T}
SERVICES: tuple[str, ...] = tuple(dict.fromkeys(t.service for t in _T))
GLOBAL_SERVICES = ("organizations", "iam", "s3")
COVERAGE_COLUMNS = ("account", "region", "service", "status", "error", "resources")
COVERAGE_STATUSES = ("assessed", "access_denied", "not_enabled", "not_supported", "error")


def kinds_of(service: str) -> tuple[str, ...]:
    return tuple(t.kind for t in _T if t.service == service)


def render_markdown() -> str:
    """The tables section of inventory/README.md."""
    lines = []
    for table in _T:
        lines.append(f"### `{table.kind}` ({table.service})\n\n{table.doc}\n")
        lines.append("| column | type | meaning |\n|---|---|---|")
        for col in table.columns:
            lines.append(f"| `{col.name}` | {col.type} | {col.doc} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_markdown())
