"""Seeds a small, fully known estate into a moto server for the inventory tests.

Three accounts (management 100000000001, production 210987654321, synthetic
310000000003), an organisation with OUs and an SCP, and one or more of every
resource kind the collectors read, including the same-account leak case (a
synthetic-tagged role inside the production account).
"""
from __future__ import annotations

import io
import json
import zipfile
from importlib import resources

import boto3

MGMT, PROD, SYNTH = "100000000001", "210987654321", "310000000003"
TOOLING = "500000000005"  # where the deny test's auditor user lives (not audited)
ACCOUNT_NAMES = {PROD: "production-phi", SYNTH: "synthetic-data"}
REGION = "us-east-1"
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{MGMT}:root", f"arn:aws:iam::{TOOLING}:root"]},
     "Action": "sts:AssumeRole"}]}
READ_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
# the kit's shipped read-only policy: a role named as the audit role is left out of the analysis only
# while it only reads (moto does not enforce IAM, so the policy changes nothing the kit can read here)
AUDIT_POLICY = json.loads(resources.files("synthaudit.aws").joinpath("audit_role_policy.json").read_text())


def session(endpoint: str, account: str) -> boto3.Session:
    """Credentials inside ``account`` (moto maps assumed-role keys to the role's account)."""
    sts = boto3.client("sts", endpoint_url=endpoint, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                            RoleSessionName="seed")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name=REGION)


def client(endpoint: str, account: str, service: str, region: str = REGION):
    return session(endpoint, account).client(service, endpoint_url=endpoint, region_name=region)


def params_dict(**aws: object) -> dict:
    return {
        "label": "test", "estate": "aws", "management_account": MGMT,
        "accounts": [{"id": MGMT, "name": "management"}, {"id": PROD, "name": "production-phi"},
                     {"id": SYNTH, "name": "synthetic-data"}],
        "aws": {"regions": [REGION], "max_workers": 4, **aws},
        "classification": {
            "production": {"ous": ["Production"], "tags": {"Environment": ["prod", "production"]},
                           "name_patterns": ["*prod*", "phi-*"]},
            "synthetic": {"ous": ["Synthetic"], "tags": {"Environment": ["synthetic"]}, "name_patterns": ["*synth*"]},
            "shared": {"accounts": [MGMT]},
        },
    }


def seed_organization(endpoint: str) -> dict[str, str]:
    org = client(endpoint, MGMT, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    workloads = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
    prod_ou = org.create_organizational_unit(ParentId=workloads, Name="Production")["OrganizationalUnit"]["Id"]
    synth_ou = org.create_organizational_unit(ParentId=workloads, Name="Synthetic")["OrganizationalUnit"]["Id"]
    ids = {}
    for name, ou in (("production-phi", prod_ou), ("synthetic-data", synth_ou)):
        status = org.create_account(Email=f"{name}@example.org", AccountName=name)["CreateAccountStatus"]
        acct = status["AccountId"]
        org.move_account(AccountId=acct, SourceParentId=root, DestinationParentId=ou)
        ids[name] = acct
    scp = org.create_policy(Name="deny-synthetic-to-prod", Type="SERVICE_CONTROL_POLICY", Description="d",
                            Content=json.dumps({"Version": "2012-10-17", "Statement": [
                                {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::phi-*"}]}))["Policy"]
    org.attach_policy(PolicyId=scp["PolicySummary"]["Id"], TargetId=workloads)
    return {"root": root, "workloads": workloads, "prod_ou": prod_ou, "synth_ou": synth_ou,
            "scp": scp["PolicySummary"]["Id"], **ids}


def seed_audit_roles(endpoint: str, accounts: tuple[str, ...] = (MGMT, PROD, SYNTH)) -> None:
    for acct in accounts:
        iam = client(endpoint, acct, "iam")
        iam.create_role(RoleName="SynthauditReadOnly", AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.put_role_policy(RoleName="SynthauditReadOnly", PolicyName="read", PolicyDocument=json.dumps(AUDIT_POLICY))


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buf.getvalue()


def seed_production(endpoint: str) -> dict[str, str]:
    out: dict[str, str] = {}
    iam = client(endpoint, PROD, "iam")
    iam.create_role(RoleName="prod-etl", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="prod-etl", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    pol = iam.create_policy(PolicyName="phi-read", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                   "Resource": "arn:aws:s3:::phi-claims-prod/*"}]}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="prod-etl", PolicyArn=pol)
    # the same-account leak: a synthetic workload's role inside the production account
    iam.create_role(RoleName="data-generator", AssumeRolePolicyDocument=json.dumps(TRUST),
                    Tags=[{"Key": "Environment", "Value": "synthetic"}])
    iam.attach_role_policy(RoleName="data-generator", PolicyArn=pol)
    iam.create_instance_profile(InstanceProfileName="prod-etl-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="prod-etl-profile", RoleName="prod-etl")
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="analysts")
    iam.add_user_to_group(GroupName="analysts", UserName="alice")

    s3 = client(endpoint, PROD, "s3")
    s3.create_bucket(Bucket="phi-claims-prod")
    s3.put_bucket_policy(Bucket="phi-claims-prod", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SYNTH}:role/synth-generator"},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::phi-claims-prod/*"}]}))
    s3.put_bucket_tagging(Bucket="phi-claims-prod", Tagging={"TagSet": [{"Key": "DataClass", "Value": "phi"}]})
    s3.put_bucket_encryption(Bucket="phi-claims-prod", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/phi"}}]})
    s3.put_public_access_block(Bucket="phi-claims-prod", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    for key, tagging in (("prod/claims-2026-01.csv", "DataClass=phi"), ("prod/claims-2026-02.csv", ""),
                         ("synthetic/claims-synth.csv", "DataClass=synthetic&Stage=test")):
        s3.put_object(Bucket="phi-claims-prod", Key=key, Body=b"id\n1\n", Tagging=tagging)
    s3.create_bucket(Bucket="phi-open-prod")
    s3.put_bucket_acl(Bucket="phi-open-prod", GrantRead='uri="http://acs.amazonaws.com/groups/global/AllUsers"',
                      GrantWrite='uri="http://acs.amazonaws.com/groups/global/AllUsers"')

    kms = client(endpoint, PROD, "kms")
    key = kms.create_key(Description="phi key", Tags=[{"TagKey": "Environment", "TagValue": "production"}])["KeyMetadata"]
    kms.create_alias(AliasName="alias/phi", TargetKeyId=key["KeyId"])
    out["kms_key"] = key["Arn"]

    ec2 = client(endpoint, PROD, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "prod-vpc"}])
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    app = ec2.create_security_group(GroupName="prod-app", Description="app", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="prod-db", Description="db", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": app}]}])
    ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ep = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway",
                                 PolicyDocument=json.dumps(READ_ALL))["VpcEndpoint"]["VpcEndpointId"]
    inst = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=subnet,
                             IamInstanceProfile={"Name": "prod-etl-profile"},
                             TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "prod-etl-1"}]}],
                             )["Instances"][0]["InstanceId"]
    vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    snap = ec2.create_snapshot(VolumeId=vol, Description="phi db backup")["SnapshotId"]
    ec2.modify_snapshot_attribute(SnapshotId=snap, Attribute="createVolumePermission", OperationType="add",
                                  UserIds=[SYNTH])
    copied = ec2.copy_snapshot(SourceSnapshotId=snap, SourceRegion="us-east-1",
                               Description=f"[Copied {snap} from us-east-1]")["SnapshotId"]
    image = ec2.create_image(InstanceId=inst, Name="prod-etl-image")["ImageId"]
    out.update(vpc=vpc, subnet=subnet, app_sg=app, db_sg=db, endpoint=ep, instance=inst, volume=vol, snapshot=snap,
               copied_snapshot=copied, image=image)

    rds = client(endpoint, PROD, "rds")
    rds.create_db_cluster(DBClusterIdentifier="phi-aurora-prod", Engine="aurora-postgresql",
                          MasterUsername="admin", MasterUserPassword="not-a-real-pw1", StorageEncrypted=True)
    rds.create_db_instance(DBInstanceIdentifier="phi-db-prod", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="admin", MasterUserPassword="not-a-real-pw1", AllocatedStorage=20,
                           Tags=[{"Key": "Environment", "Value": "production"}])
    rds.create_db_snapshot(DBSnapshotIdentifier="phi-db-snap", DBInstanceIdentifier="phi-db-prod")
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="phi-db-snap", AttributeName="restore",
                                     ValuesToAdd=[SYNTH])
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="phi-aurora-snap", DBClusterIdentifier="phi-aurora-prod")

    lam = client(endpoint, PROD, "lambda")
    lam.create_function(FunctionName="prod-transform", Runtime="python3.12", Role=f"arn:aws:iam::{PROD}:role/prod-etl",
                        Handler="handler.handler", Code={"ZipFile": _zip()},
                        Environment={"Variables": {"DB_PASSWORD": "hunter2"}})
    lam.add_permission(FunctionName="prod-transform", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com")

    glue = client(endpoint, PROD, "glue")
    glue.put_data_catalog_encryption_settings(DataCatalogEncryptionSettings={
        "EncryptionAtRest": {"CatalogEncryptionMode": "SSE-KMS", "SseAwsKmsKeyId": "alias/phi"},
        "ConnectionPasswordEncryption": {"ReturnConnectionPasswordEncrypted": True, "AwsKmsKeyId": "alias/phi"}})
    glue.create_database(DatabaseInput={"Name": "phi"})
    glue.create_table(DatabaseName="phi", TableInput={"Name": "claims", "StorageDescriptor": {
        "Columns": [{"Name": "mrn", "Type": "string"}], "Location": "s3://phi-claims-prod/prod/"}})

    sfn = client(endpoint, PROD, "stepfunctions")
    definition = {"StartAt": "Classify", "States": {
        "Classify": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:210987654321:function:prod-transform",
                     "Next": "Fan"},
        "Fan": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": True}}}]}}}
    sfn.create_state_machine(name="prod-pipeline", definition=json.dumps(definition),
                             roleArn=f"arn:aws:iam::{PROD}:role/prod-etl", tracingConfiguration={"enabled": True})

    ct = client(endpoint, PROD, "cloudtrail")
    s3.create_bucket(Bucket="prod-trail-logs")
    ct.create_trail(Name="prod-trail", S3BucketName="prod-trail-logs", IsMultiRegionTrail=True,
                    EnableLogFileValidation=True)
    ct.put_event_selectors(TrailName="prod-trail", EventSelectors=[{
        "ReadWriteType": "All", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::phi-claims-prod/"]}]}])
    ct.start_logging(Name="prod-trail")

    cfg = client(endpoint, PROD, "config")
    cfg.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": f"arn:aws:iam::{PROD}:role/prod-etl",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    cfg.put_config_rule(ConfigRule={"ConfigRuleName": "restricted-ssh", "Source": {
        "Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}})

    lf = client(endpoint, PROD, "lakeformation")
    lf.grant_permissions(Principal={"DataLakePrincipalIdentifier": f"arn:aws:iam::{SYNTH}:role/synth-generator"},
                         Resource={"Table": {"DatabaseName": "phi", "Name": "claims"}}, Permissions=["SELECT"])
    return out


def seed_synthetic(endpoint: str, prod_snapshot: str) -> dict[str, str]:
    out: dict[str, str] = {}
    iam = client(endpoint, SYNTH, "iam")
    iam.create_role(RoleName="synth-generator", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.create_role(RoleName="synth-pipeline", AssumeRolePolicyDocument=json.dumps(TRUST))
    s3 = client(endpoint, SYNTH, "s3")
    s3.create_bucket(Bucket="synth-output-data")
    ec2 = client(endpoint, SYNTH, "ec2")
    # moto cannot create a volume from another account's snapshot: restore from a local copy instead
    src = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    snap = ec2.create_snapshot(VolumeId=src, Description=f"copy of {prod_snapshot}")["SnapshotId"]
    vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8, SnapshotId=snap)["VolumeId"]
    out.update(volume=vol, snapshot=snap)
    glue = client(endpoint, SYNTH, "glue")
    glue.create_connection(ConnectionInput={"Name": "prod-aurora", "ConnectionType": "JDBC", "ConnectionProperties": {
        "JDBC_CONNECTION_URL": "jdbc:postgresql://phi-aurora-prod.cluster-abc.us-east-1.rds.amazonaws.com:5432/claims",
        "USERNAME": "etl", "PASSWORD": "hunter2"}})
    glue.create_job(Name="synth-extract", Role="synth-pipeline", Command={"Name": "glueetl", "ScriptLocation": "s3://x/y.py"},
                    Connections={"Connections": ["prod-aurora"]}, DefaultArguments={"--secret": "hunter2"})
    sm = client(endpoint, SYNTH, "sagemaker")
    sm.create_notebook_instance(NotebookInstanceName="synth-notebook", InstanceType="ml.t3.medium",
                                RoleArn=f"arn:aws:iam::{SYNTH}:role/synth-pipeline", DirectInternetAccess="Enabled",
                                RootAccess="Enabled")
    sm.create_training_job(
        TrainingJobName="synth-train", RoleArn=f"arn:aws:iam::{SYNTH}:role/synth-pipeline",
        AlgorithmSpecification={"TrainingImage": "123.dkr.ecr.us-east-1.amazonaws.com/x:1", "TrainingInputMode": "File"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://synth-output-data/train/"}}}],
        OutputDataConfig={"S3OutputPath": "s3://synth-output-data/models/"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600})
    return out
