"""Data services: RDS and Aurora with snapshots, Lambda, Glue catalogue/connections/jobs,
SageMaker notebooks and training jobs, Step Functions, Lake Formation grants; with the
planted failures of the pipeline that turns production data into synthetic data.
"""
from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from synthaudit.demo import ids
from synthaudit.demo.estate_core import ENV_TAGS, Estate, role_arn, tags_list
from synthaudit.demo.estate_network import Network

REGION = ids.HOME_REGION
DB_PASSWORD = "demo-only-not-a-secret-1"  # moto requires one; the estate holds no real secret


def _rds_arn(account: str, kind: str, name: str) -> str:
    return f"arn:aws:rds:{REGION}:{account}:{kind}:{name}"


# ------------------------------------------------------------------------------ RDS

# (account, cluster id, engine, kms alias, vpc, security group name)
CLUSTERS = [
    (ids.PRODUCTION, "prod-claims-aurora", "aurora-postgresql", "phi-claims", "prod-core", "prod-aurora-claims-sg"),
    (ids.PRODUCTION, "prod-research-aurora", "aurora-postgresql", "prod-rds", "prod-analytics", "prod-research-db-sg"),
    (ids.SYNTHETIC, "synth-claims-aurora", "aurora-postgresql", "synth-data", "synth-main", "synth-generator-db-sg"),
]
# (account, instance id, engine, encrypted kms alias or None, vpc, sg name)
INSTANCES = [
    (ids.PRODUCTION, "prod-ehr-db", "postgres", "phi-ehr", "prod-core", "prod-ehr-db-sg"),
    (ids.PRODUCTION, "prod-labs-db", "postgres", "prod-rds", "prod-core", "prod-labs-db-sg"),
    (ids.PRODUCTION, "prod-portal-db", "mysql", "prod-rds", "prod-core", "prod-portal-db-sg"),
    (ids.PRODUCTION, "prod-imaging-meta", "postgres", "phi-imaging", "prod-core", "prod-imaging-db-sg"),
    (ids.PRODUCTION, "prod-billing-legacy", "mysql", None, "prod-core", "prod-billing-db-sg"),
    (ids.PRODUCTION, "prod-reporting-db", "postgres", "prod-rds", "prod-analytics", "prod-reporting-db-sg"),
    (ids.SYNTHETIC, "synth-eval-db", "postgres", "synth-data", "synth-main", "synth-evaluator-db-sg"),
    (ids.SYNTHETIC, "synth-cohorts-db", "postgres", "synth-data", "synth-main", "synth-cohorts-db-sg"),
    (ids.LOGGING, "shared-siem-db", "postgres", "shared-rds", "shared-services", "shared-siem-db-sg"),
]


def build_rds(estate: Estate, net: Network) -> dict[str, str]:
    keys = estate.facts["keys"]
    endpoints: dict[str, str] = {}
    subnet_groups: dict[tuple[str, str], str] = {}

    def subnet_group(account: str, vpc: str) -> str:
        if (account, vpc) not in subnet_groups:
            name = f"{vpc}-data"
            estate.client(account, "rds").create_db_subnet_group(
                DBSubnetGroupName=name, DBSubnetGroupDescription=f"data tier of {vpc}",
                SubnetIds=net.data_subnets[vpc])
            subnet_groups[(account, vpc)] = name
        return subnet_groups[(account, vpc)]

    for account, cid, engine, alias, vpc, sg in CLUSTERS:
        rds = estate.client(account, "rds")
        env = "production" if account == ids.PRODUCTION else "synthetic"
        cluster = rds.create_db_cluster(
            DBClusterIdentifier=cid, Engine=engine, EngineVersion="15.4", MasterUsername="dbadmin",
            MasterUserPassword=DB_PASSWORD, StorageEncrypted=True, KmsKeyId=keys[alias], DatabaseName="claims",
            DBSubnetGroupName=subnet_group(account, vpc), VpcSecurityGroupIds=[net.sg[sg]],
            EnableIAMDatabaseAuthentication=True, Tags=tags_list({**ENV_TAGS[env], "Name": cid}))["DBCluster"]
        endpoints[cid] = cluster["Endpoint"]
        for n in (1, 2):
            rds.create_db_instance(DBInstanceIdentifier=f"{cid}-{n}", DBClusterIdentifier=cid, Engine=engine,
                                   DBInstanceClass="db.r6g.large", Tags=tags_list(ENV_TAGS[env]))
            estate.count(account, "rds_instance")
        estate.count(account, "rds_cluster")
    for account, iid, engine, alias, vpc, sg in INSTANCES:
        env = {ids.PRODUCTION: "production", ids.SYNTHETIC: "synthetic"}.get(account, "shared")
        kwargs: dict[str, Any] = {"StorageEncrypted": alias is not None}
        if alias:
            kwargs["KmsKeyId"] = keys[alias]
        inst = estate.client(account, "rds").create_db_instance(
            DBInstanceIdentifier=iid, Engine=engine, DBInstanceClass="db.m6g.large", AllocatedStorage=200,
            MasterUsername="dbadmin", MasterUserPassword=DB_PASSWORD, DBSubnetGroupName=subnet_group(account, vpc),
            VpcSecurityGroupIds=[net.sg.get(sg) or net.vpc_sgs[vpc][2]], MultiAZ=account == ids.PRODUCTION,
            Tags=tags_list({**ENV_TAGS[env], "Name": iid}), **kwargs)["DBInstance"]
        endpoints[iid] = inst.get("Endpoint", {}).get("Address", "")
        estate.count(account, "rds_instance")
        for day in ("2026-10-01", "2026-11-01"):
            estate.client(account, "rds").create_db_snapshot(DBSnapshotIdentifier=f"{iid}-{day}",
                                                             DBInstanceIdentifier=iid)
            estate.count(account, "rds_snapshot")
    for account, cid, *_ in CLUSTERS:
        for day in ("2026-10-01", "2026-11-01"):
            estate.client(account, "rds").create_db_cluster_snapshot(DBClusterSnapshotIdentifier=f"{cid}-{day}",
                                                                     DBClusterIdentifier=cid)
            estate.count(account, "rds_cluster_snapshot")

    p, s = ids.PRODUCTION, ids.SYNTHETIC
    prds = estate.client(p, "rds")
    prds.modify_db_snapshot_attribute(DBSnapshotIdentifier="prod-ehr-db-2026-11-01", AttributeName="restore",
                                      ValuesToAdd=[s])
    prds.modify_db_cluster_snapshot_attribute(DBClusterSnapshotIdentifier="prod-claims-aurora-2026-11-01",
                                              AttributeName="restore", ValuesToAdd=[s])
    prds.modify_db_snapshot_attribute(DBSnapshotIdentifier="prod-labs-db-2026-11-01", AttributeName="restore",
                                      ValuesToAdd=[ids.LOGGING])  # to the backup/shared account: not synthetic

    plant, P = estate.plant, "production"
    plant("P80", "FAIL", "SNAPSHOT_SHARED_WITH_SYNTHETIC", _rds_arn(p, "snapshot", "prod-ehr-db-2026-11-01"), p, P,
          "manual RDS snapshot of prod-ehr-db shared (restore attribute) with the synthetic account")
    plant("P81", "PASS", "SNAPSHOT_SHARED_WITH_SYNTHETIC", _rds_arn(p, "snapshot", "prod-labs-db-2026-11-01"), p, P,
          "clean twin: production RDS snapshot shared with the logging/shared-services account only")
    plant("P82", "FAIL", "SNAPSHOT_SHARED_WITH_SYNTHETIC",
          _rds_arn(p, "cluster-snapshot", "prod-claims-aurora-2026-11-01"), p, P,
          "Aurora cluster snapshot of prod-claims-aurora shared with the synthetic account "
          "(modify_db_cluster_snapshot_attribute)")
    plant("P83", "PASS", "SNAPSHOT_SHARED_WITH_SYNTHETIC",
          _rds_arn(p, "cluster-snapshot", "prod-claims-aurora-2026-10-01"), p, P,
          "clean twin: the previous cluster snapshot, not shared")
    plant("P84", "FAIL", "PRODUCTION_SNAPSHOT_UNENCRYPTED", _rds_arn(p, "snapshot", "prod-billing-legacy-2026-11-01"),
          p, P, "RDS snapshot of the unencrypted production instance prod-billing-legacy")
    plant("P85", "PASS", "PRODUCTION_SNAPSHOT_UNENCRYPTED", _rds_arn(p, "snapshot", "prod-ehr-db-2026-10-01"), p, P,
          "clean twin: snapshot of the KMS-encrypted prod-ehr-db")
    estate.facts["rds_endpoints"] = endpoints
    return endpoints


# ------------------------------------------------------------------------------ Lambda

def _tiny_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buf.getvalue()


# (account, function name, role name, role path)
FUNCTIONS = [
    (ids.SYNTHETIC, "synth-deidentify-sampler", "synth-lambda-sampler", "/"),
    (ids.SYNTHETIC, "synth-report-builder", "synth-lambda-reporter", "/"),
    (ids.SYNTHETIC, "synth-classification-validator", ids.SYNTH_PIPELINE_ROLE, "/"),
    (ids.SYNTHETIC, "synth-generate-batch", ids.SYNTH_PIPELINE_ROLE, "/"),
    (ids.SYNTHETIC, "synth-publish-dataset", ids.SYNTH_PIPELINE_ROLE, "/"),
    (ids.PRODUCTION, "prod-phi-deidentify", "prod-ehr-indexer", "/workloads/"),
    (ids.PRODUCTION, "prod-classification-validator", "prod-quality-checker", "/workloads/"),
]
BULK_FUNCTION_ROLES = ["claims-ingest", "claims-validate", "ehr-indexer", "imaging-thumbnail", "labs-notifier",
                       "billing-report", "platform-metrics", "ops-rotation"]


def build_lambda(estate: Estate) -> None:
    code = {"ZipFile": _tiny_zip()}
    functions = list(FUNCTIONS)
    for account, prefix in ((ids.PRODUCTION, "prod"), (ids.SYNTHETIC, "synth"), (ids.LOGGING, "shared")):
        for role in BULK_FUNCTION_ROLES:
            functions.append((account, f"{prefix}-{role}", f"{prefix}-{role}", "/workloads/"))
    for account, name, role, path in functions:
        env = {ids.PRODUCTION: "production", ids.SYNTHETIC: "synthetic"}.get(account, "shared")
        lam = estate.client(account, "lambda")
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn(account, role, path),
                            Handler="handler.handler", Code=code, Timeout=60, MemorySize=256,
                            Environment={"Variables": {"STAGE": env}}, Tags={**ENV_TAGS[env], "Team": name.split("-")[1]})
        estate.count(account, "lambda_function")
    estate.client(ids.PRODUCTION, "lambda").add_permission(
        FunctionName="prod-claims-ingest", StatementId="s3-invoke", Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{ids.PROD_PHI_BUCKET}", SourceAccount=ids.PRODUCTION)
    s = ids.SYNTHETIC

    def fn(account: str, name: str) -> str:
        return f"arn:aws:lambda:{REGION}:{account}:function:{name}"

    estate.plant("P90", "FAIL", "LAMBDA_ROLE_REACHES_PRODUCTION", fn(s, "synth-deidentify-sampler"), s, "synthetic",
                 "synthetic Lambda whose role synth-lambda-sampler can s3:GetObject phi-claims-prod (granted by the "
                 "bucket policy) and decrypt with the production claims key")
    estate.plant("P91", "PASS", "LAMBDA_ROLE_REACHES_PRODUCTION", fn(s, "synth-report-builder"), s, "synthetic",
                 "clean twin: synthetic Lambda whose role reads and writes synth-output-data only")


# ------------------------------------------------------------------------------ Glue

PHI_COLUMNS = {
    "claims": [("claim_id", "string"), ("member_id", "string"), ("member_name", "string"), ("ssn", "string"),
               ("date_of_birth", "date"), ("diagnosis_code", "string"), ("procedure_code", "string"),
               ("amount", "decimal(12,2)"), ("service_date", "date")],
    "encounters": [("encounter_id", "string"), ("member_id", "string"), ("mrn", "string"),
                   ("encounter_date", "date"), ("facility_type", "string"), ("diagnosis_code", "string"),
                   ("length_of_stay", "int"), ("discharge_disposition", "string")],
    "members": [("member_id", "string"), ("first_name", "string"), ("last_name", "string"),
                ("address", "string"), ("zip", "string"), ("date_of_birth", "date"), ("sex", "string")],
    "pharmacy": [("fill_id", "string"), ("member_id", "string"), ("ndc", "string"), ("fill_date", "date"),
                 ("days_supply", "int")],
    "lab_results": [("result_id", "string"), ("mrn", "string"), ("loinc", "string"), ("value", "double"),
                    ("collected_at", "timestamp")],
}
NON_PHI_ENCOUNTER_COLUMNS = ["encounter_id", "encounter_date", "facility_type", "diagnosis_code", "length_of_stay",
                             "discharge_disposition"]
# (account, database, tables, bucket)
CATALOGUE = [
    (ids.PRODUCTION, "phi_claims", ["claims", "encounters", "members", "pharmacy"], ids.PROD_PHI_BUCKET),
    (ids.PRODUCTION, "phi_labs", ["lab_results"], "phi-lab-results-prod"),
    (ids.SYNTHETIC, "synth_claims", ["claims", "encounters", "members", "pharmacy"], ids.SYNTH_OUTPUT_BUCKET),
]


def build_glue(estate: Estate, net: Network, endpoints: dict[str, str]) -> None:
    for account, database, tables, bucket in CATALOGUE:
        glue = estate.client(account, "glue")
        env = "production" if account == ids.PRODUCTION else "synthetic"
        glue.create_database(DatabaseInput={"Name": database, "LocationUri": f"s3://{bucket}/",
                                            "Parameters": {"DataClass": ENV_TAGS[env]["DataClass"]}})
        estate.count(account, "glue_database")
        for table in tables:
            params = {"classification": "parquet", "DataClass": ENV_TAGS[env]["DataClass"]}
            if env == "synthetic":
                params.update({"SourceDataset": f"phi_claims.{table}", "Generator": "ctgan-v3",
                               "GeneratedOn": "2026-11-02"})
            glue.create_table(DatabaseName=database, TableInput={
                "Name": table, "TableType": "EXTERNAL_TABLE", "Parameters": params,
                "StorageDescriptor": {"Columns": [{"Name": c, "Type": t} for c, t in PHI_COLUMNS[table]],
                                      "Location": f"s3://{bucket}/{table}/"}})
            estate.count(account, "glue_table")

    def connection(account: str, name: str, endpoint: str, vpc: str, sg: str) -> None:
        estate.client(account, "glue").create_connection(ConnectionInput={
            "Name": name, "ConnectionType": "JDBC",
            "ConnectionProperties": {"JDBC_CONNECTION_URL": f"jdbc:postgresql://{endpoint}:5432/claims",
                                     "USERNAME": "synth_reader", "JDBC_ENFORCE_SSL": "true"},
            "PhysicalConnectionRequirements": {"SubnetId": net.data_subnets[vpc][0],
                                               "SecurityGroupIdList": [net.sg[sg]],
                                               "AvailabilityZone": f"{REGION}a"}})
        estate.count(account, "glue_connection")

    p, s = ids.PRODUCTION, ids.SYNTHETIC
    connection(p, "prod-claims-aurora-jdbc", endpoints["prod-claims-aurora"], "prod-core", "prod-claims-app-sg")
    connection(s, "synth-claims-source-jdbc", endpoints["prod-claims-aurora"], "synth-main", "synth-generator-app-sg")
    connection(s, "synth-claims-aurora-jdbc", endpoints["synth-claims-aurora"], "synth-main", "synth-generator-app-sg")

    # (account, job, role arn, connections)
    jobs = [
        (p, "prod-claims-etl", role_arn(p, ids.PROD_ETL_ROLE), ["prod-claims-aurora-jdbc"]),
        (p, "prod-ehr-export", role_arn(p, "prod-ehr-export", "/workloads/"), []),
        (p, "prod-labs-loader", role_arn(p, "prod-labs-loader", "/workloads/"), []),
        (p, "prod-quality-profiler", role_arn(p, "prod-quality-profiler", "/workloads/"), []),
        (s, "synth-claims-extract", role_arn(s, "synth-glue-etl"), ["synth-claims-source-jdbc"]),
        (s, "synth-cohort-aggregate", role_arn(s, "synth-glue-aggregate"), ["synth-claims-aurora-jdbc"]),
        (s, "synth-quality-profiler", role_arn(s, "synth-quality-profiler", "/workloads/"), []),
    ]
    for account, job, role, conns in jobs:
        kwargs: dict[str, Any] = {}
        if conns:
            kwargs["Connections"] = {"Connections": conns}
        estate.client(account, "glue").create_job(
            Name=job, Role=role, Command={"Name": "glueetl", "ScriptLocation": f"s3://{job}-scripts/main.py",
                                          "PythonVersion": "3"},
            GlueVersion="4.0", WorkerType="G.1X", NumberOfWorkers=4,
            Tags={**ENV_TAGS["production" if account == p else "synthetic"]}, **kwargs)
        estate.count(account, "glue_job")
    estate.client(p, "glue").create_crawler(Name="prod-claims-crawler", Role=role_arn(p, ids.PROD_ETL_ROLE),
                                            DatabaseName="phi_claims",
                                            Targets={"S3Targets": [{"Path": f"s3://{ids.PROD_PHI_BUCKET}/claims/"}]})

    def g(account: str, kind: str, name: str) -> str:
        return f"arn:aws:glue:{REGION}:{account}:{kind}/{name}"

    S = "synthetic"
    estate.plant("P92", "FAIL", "GLUE_CONNECTION_TO_PRODUCTION", g(s, "connection", "synth-claims-source-jdbc"), s, S,
                 f"synthetic-account JDBC connection to the production Aurora endpoint {endpoints['prod-claims-aurora']}")
    estate.plant("P93", "PASS", "GLUE_CONNECTION_TO_PRODUCTION", g(s, "connection", "synth-claims-aurora-jdbc"), s, S,
                 "clean twin: JDBC connection to the synthetic account's own Aurora cluster")
    estate.plant("P94", "FAIL", "GLUE_JOB_ROLE_REACHES_PRODUCTION", g(s, "job", "synth-claims-extract"), s, S,
                 "synthetic Glue job whose role synth-glue-etl reads phi-claims-prod and connects to the production "
                 "database (and which uses the production JDBC connection)")
    estate.plant("P95", "PASS", "GLUE_JOB_ROLE_REACHES_PRODUCTION", g(s, "job", "synth-cohort-aggregate"), s, S,
                 "clean twin: synthetic Glue job whose role touches synthetic buckets only")


# ------------------------------------------------------------------------------ SageMaker

def build_sagemaker(estate: Estate, net: Network) -> None:
    s, p = ids.SYNTHETIC, ids.PRODUCTION
    keys = estate.facts["keys"]
    # (account, name, role, kms alias, direct internet, root access, vpc)
    notebooks = [
        (s, "synth-model-dev", "synth-notebook-exec", None, "Enabled", "Enabled", None),
        (s, "synth-eval-nb", "synth-sagemaker-eval", "synth-models", "Disabled", "Disabled", "synth-main"),
        (s, "synth-feature-lab", "synth-sagemaker-eval", "synth-models", "Disabled", "Disabled", "synth-main"),
        (p, "prod-research-nb", "prod-research-cohort", "prod-sagemaker", "Disabled", "Disabled", "prod-analytics"),
        (p, "prod-research-features-nb", "prod-research-feature", "prod-sagemaker", "Disabled", "Disabled",
         "prod-analytics"),
    ]
    for account, name, role, alias, internet, root, vpc in notebooks:
        env = "production" if account == p else "synthetic"
        path = "/workloads/" if role.startswith("prod-") else "/"
        kwargs: dict[str, Any] = {"DirectInternetAccess": internet, "RootAccess": root}
        if alias:
            kwargs["KmsKeyId"] = keys[alias]
        if vpc:
            kwargs.update(SubnetId=net.subnets[vpc][3], SecurityGroupIds=[net.vpc_sgs[vpc][1]])
        estate.client(account, "sagemaker").create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=role_arn(account, role, path),
            Tags=tags_list(ENV_TAGS[env]), **kwargs)
        estate.count(account, "sagemaker_notebook")
    # (name, role, output bucket, kms alias)
    jobs = [
        ("synth-ctgan-train-2026-11-01", "synth-notebook-exec", "synth-training-unencrypted", None),
        ("synth-ctgan-train-2026-11-08", "synth-sagemaker-eval", "synth-model-artifacts", "synth-models"),
        ("synth-tvae-train-2026-11-08", "synth-sagemaker-eval", "synth-model-artifacts", "synth-models"),
    ]
    for name, role, bucket, alias in jobs:
        output: dict[str, Any] = {"S3OutputPath": f"s3://{bucket}/models/{name}/"}
        if alias:
            output["KmsKeyId"] = keys[alias]
        resources: dict[str, Any] = {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 50}
        if alias:
            resources["VolumeKmsKeyId"] = keys[alias]
        estate.client(s, "sagemaker").create_training_job(
            TrainingJobName=name, RoleArn=role_arn(s, role), OutputDataConfig=output, ResourceConfig=resources,
            AlgorithmSpecification={"TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1-cpu-py310",
                                    "TrainingInputMode": "File"},
            InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/training/", "S3DataDistributionType": "FullyReplicated"}}}],
            StoppingCondition={"MaxRuntimeInSeconds": 86400}, Tags=tags_list(ENV_TAGS["synthetic"]))
        estate.count(s, "sagemaker_training_job")

    def sm(kind: str, name: str) -> str:
        return f"arn:aws:sagemaker:{REGION}:{s}:{kind}/{name}"

    plant, S = estate.plant, "synthetic"
    nb_bad, nb_good = sm("notebook-instance", "synth-model-dev"), sm("notebook-instance", "synth-eval-nb")
    plant("P100", "FAIL", "SAGEMAKER_NOTEBOOK_NO_KMS", nb_bad, s, S, "notebook instance without a KMS key for its volume")
    plant("P101", "PASS", "SAGEMAKER_NOTEBOOK_NO_KMS", nb_good, s, S, "clean twin: notebook volume encrypted with alias/synth-models")
    plant("P102", "FAIL", "SAGEMAKER_NOTEBOOK_DIRECT_INTERNET", nb_bad, s, S, "notebook with DirectInternetAccess Enabled")
    plant("P103", "PASS", "SAGEMAKER_NOTEBOOK_DIRECT_INTERNET", nb_good, s, S,
          "clean twin: DirectInternetAccess Disabled, placed in a VPC subnet")
    plant("P104", "FAIL", "SAGEMAKER_NOTEBOOK_ROOT_ACCESS", nb_bad, s, S, "notebook with RootAccess Enabled")
    plant("P105", "PASS", "SAGEMAKER_NOTEBOOK_ROOT_ACCESS", nb_good, s, S, "clean twin: RootAccess Disabled")
    plant("P106", "FAIL", "SAGEMAKER_ROLE_REACHES_PRODUCTION", nb_bad, s, S,
          "notebook role synth-notebook-exec (s3:* on *) can read phi-research-samples-prod, whose bucket policy "
          "grants it, and decrypt with the production claims key")
    plant("P107", "PASS", "SAGEMAKER_ROLE_REACHES_PRODUCTION", nb_good, s, S,
          "clean twin: notebook role synth-sagemaker-eval reaches synthetic buckets only")
    plant("P108", "FAIL", "SAGEMAKER_TRAINING_UNENCRYPTED_OUTPUT", sm("training-job", "synth-ctgan-train-2026-11-01"),
          s, S, "training job writing model output without a KMS key to synth-training-unencrypted, a bucket with no "
          "default encryption, from training data in that same bucket")
    plant("P109", "PASS", "SAGEMAKER_TRAINING_UNENCRYPTED_OUTPUT", sm("training-job", "synth-ctgan-train-2026-11-08"),
          s, S, "clean twin: output and volume encrypted with alias/synth-models, into an SSE-KMS bucket")


# ------------------------------------------------------------------------------ Step Functions

def _task(resource: str, next_state: str | None, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Task", "Resource": resource, **extra}
    if next_state:
        state["Next"] = next_state
    else:
        state["End"] = True
    return state


def _definition(account: str, with_classification: bool) -> str:
    lam = f"arn:aws:lambda:{REGION}:{account}:function"
    states: dict[str, Any] = {
        "ExtractSample": _task("arn:aws:states:::glue:startJobRun.sync", "GenerateSynthetic",
                               Parameters={"JobName": "synth-cohort-aggregate"}),
        "GenerateSynthetic": _task(f"{lam}:synth-generate-batch",
                                   "ValidateDataClassification" if with_classification else "PublishDataset"),
        "PublishDataset": _task(f"{lam}:synth-publish-dataset", None),
    }
    if with_classification:
        states["ValidateDataClassification"] = _task(f"{lam}:synth-classification-validator", "ClassificationPassed")
        states["ClassificationPassed"] = {
            "Type": "Choice", "Default": "RejectDataset",
            "Choices": [{"Variable": "$.classification", "StringEquals": "synthetic", "Next": "PublishDataset"}]}
        states["RejectDataset"] = {"Type": "Fail", "Error": "ClassificationFailed",
                                   "Cause": "output not classified as synthetic"}
    return json.dumps({"Comment": "synthetic data release", "StartAt": "ExtractSample", "States": states})


def build_stepfunctions(estate: Estate) -> None:
    s, p = ids.SYNTHETIC, ids.PRODUCTION
    machines = [
        (s, "synth-generation-pipeline", False, False),
        (s, "synth-release-pipeline", True, True),
        (s, "synth-nightly-refresh", True, True),
        (p, "prod-billing-reconcile", False, True),
        (p, "prod-quality-checks", False, True),
    ]
    arns = {}
    for account, name, classify, tracing in machines:
        env = "production" if account == p else "synthetic"
        role = role_arn(s, ids.SYNTH_PIPELINE_ROLE) if account == s else role_arn(p, "prod-billing-reconcile", "/workloads/")
        arns[name] = estate.client(account, "stepfunctions").create_state_machine(
            name=name, definition=_definition(account, classify), roleArn=role, type="STANDARD",
            tracingConfiguration={"enabled": tracing}, tags=tags_list(ENV_TAGS[env], "key", "value"))["stateMachineArn"]
        estate.count(account, "stepfunctions_state_machine")
    plant, S = estate.plant, "synthetic"
    plant("P110", "FAIL", "STEPFUNCTIONS_NO_CLASSIFICATION_STEP", arns["synth-generation-pipeline"], s, S,
          "synthetic release pipeline goes ExtractSample -> GenerateSynthetic -> PublishDataset with no "
          "data-classification validation state")
    plant("P111", "PASS", "STEPFUNCTIONS_NO_CLASSIFICATION_STEP", arns["synth-release-pipeline"], s, S,
          "clean twin: ValidateDataClassification (Lambda synth-classification-validator) and a Choice gate before "
          "PublishDataset")
    plant("P112", "FAIL", "STEPFUNCTIONS_NO_TRACING", arns["synth-generation-pipeline"], s, S,
          "X-Ray tracing disabled on the pipeline state machine")
    plant("P113", "PASS", "STEPFUNCTIONS_NO_TRACING", arns["synth-release-pipeline"], s, S,
          "clean twin: tracingConfiguration enabled")


# ------------------------------------------------------------------------------ Lake Formation

def build_lakeformation(estate: Estate) -> None:
    p, s = ids.PRODUCTION, ids.SYNTHETIC
    lf = estate.client(p, "lakeformation")
    lf.put_data_lake_settings(DataLakeSettings={"DataLakeAdmins": [
        {"DataLakePrincipalIdentifier": role_arn(p, "platform-admin")}]})
    lf.register_resource(ResourceArn=f"arn:aws:s3:::{ids.PROD_PHI_BUCKET}", UseServiceLinkedRole=True)

    def grant(principal: str, resource: dict[str, Any], perms: list[str]) -> None:
        lf.grant_permissions(Principal={"DataLakePrincipalIdentifier": principal}, Resource=resource,
                             Permissions=perms)
        estate.count(p, "lakeformation_grant")

    grant(role_arn(s, ids.SYNTH_ANALYST_ROLE), {"Table": {"DatabaseName": "phi_claims", "Name": "claims"}}, ["SELECT"])
    grant(role_arn(s, "synth-cohort-builder"), {"TableWithColumns": {
        "DatabaseName": "phi_claims", "Name": "encounters", "ColumnNames": NON_PHI_ENCOUNTER_COLUMNS}}, ["SELECT"])
    grant(role_arn(p, "prod-lf-analyst"), {"Table": {"DatabaseName": "phi_claims", "Name": "members"}}, ["SELECT"])
    grant(role_arn(p, "prod-lf-analyst"), {"Table": {"DatabaseName": "phi_labs", "Name": "lab_results"}}, ["SELECT"])
    grant(role_arn(p, ids.PROD_ETL_ROLE), {"Database": {"Name": "phi_claims"}}, ["CREATE_TABLE", "ALTER"])

    def t(db: str, table: str) -> str:
        return f"arn:aws:glue:{REGION}:{p}:table/{db}/{table}"

    P = "production"
    estate.plant("P120", "FAIL", "LAKEFORMATION_UNRESTRICTED_PHI_GRANT", t("phi_claims", "claims"), p, P,
                 "Lake Formation grants SELECT on the whole PHI table phi_claims.claims (ssn, member_name, date_of_birth) "
                 "to the synthetic role synth-data-analyst, with no column or cell restriction")
    estate.plant("P121", "PASS", "LAKEFORMATION_UNRESTRICTED_PHI_GRANT", t("phi_claims", "encounters"), p, P,
                 "clean twin: SELECT on phi_claims.encounters for synthetic role synth-cohort-builder is limited to "
                 "non-identifying columns (no member_id, no mrn)")


def build_services(estate: Estate) -> None:
    net: Network = estate.facts["network"]
    endpoints = build_rds(estate, net)
    build_lambda(estate)
    build_glue(estate, net, endpoints)
    build_sagemaker(estate, net)
    build_stepfunctions(estate)
    build_lakeformation(estate)
