"""SageMaker: notebook instances and training jobs, each read with its Describe call
(the list calls omit KMS keys, internet access, root access and roles)."""
from __future__ import annotations

from synthaudit import arn as aws_arn
from synthaudit.classify import tags_to_dict
from synthaudit.inventory.base import Scope, paginate

SERVICE = "sagemaker"
SCOPE = "region"


def collect(scope: Scope) -> None:
    sm = scope.client("sagemaker")
    acct, region = scope.account, scope.region
    out = scope.output

    def tags_of(arn: str) -> dict[str, str]:
        tags, _ = scope.detail(f"sagemaker:ListTags {arn}", lambda: list(paginate(sm, "list_tags", "Tags", ResourceArn=arn)))
        return tags_to_dict(tags)

    for nb in sorted(paginate(sm, "list_notebook_instances", "NotebookInstances"), key=lambda n: n["NotebookInstanceName"]):
        name = nb["NotebookInstanceName"]
        desc, _ = scope.detail(f"sagemaker:DescribeNotebookInstance {name}",
                               lambda: sm.describe_notebook_instance(NotebookInstanceName=name))
        desc = desc or {}
        arn = nb.get("NotebookInstanceArn") or aws_arn.build("sagemaker", region, acct, f"notebook-instance/{name}")
        out.add("sagemaker_notebooks", {
            "arn": arn, "account": acct, "region": region, "name": name, "tags": tags_of(arn),
            "notebook_name": name, "status": desc.get("NotebookInstanceStatus") or nb.get("NotebookInstanceStatus"),
            "instance_type": desc.get("InstanceType") or nb.get("InstanceType"), "role_arn": desc.get("RoleArn"),
            "kms_key_id": desc.get("KmsKeyId") or None,
            "direct_internet_access": desc.get("DirectInternetAccess"), "root_access": desc.get("RootAccess"),
            "subnet_id": desc.get("SubnetId"), "security_group_ids": sorted(desc.get("SecurityGroups", []) or []),
        })
    for job in sorted(paginate(sm, "list_training_jobs", "TrainingJobSummaries"), key=lambda j: j["TrainingJobName"]):
        name = job["TrainingJobName"]
        desc, _ = scope.detail(f"sagemaker:DescribeTrainingJob {name}", lambda: sm.describe_training_job(TrainingJobName=name))
        desc = desc or {}
        arn = job.get("TrainingJobArn") or aws_arn.build("sagemaker", region, acct, f"training-job/{name}")
        output = desc.get("OutputDataConfig") or {}
        vpc = desc.get("VpcConfig") or {}
        inputs = sorted(
            ((c.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri")
            for c in desc.get("InputDataConfig", []) or []
            if ((c.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri"))
        out.add("sagemaker_training_jobs", {
            "arn": arn, "account": acct, "region": region, "name": name, "tags": tags_of(arn),
            "job_name": name, "status": desc.get("TrainingJobStatus") or job.get("TrainingJobStatus"),
            "role_arn": desc.get("RoleArn"), "output_s3_path": output.get("S3OutputPath"),
            "output_kms_key_id": output.get("KmsKeyId") or None,
            "volume_kms_key_id": (desc.get("ResourceConfig") or {}).get("VolumeKmsKeyId") or None,
            "input_s3_uris": inputs, "network_isolation": desc.get("EnableNetworkIsolation"),
            "inter_container_encryption": desc.get("EnableInterContainerTrafficEncryption"),
            "subnet_ids": sorted(vpc.get("Subnets", []) or []), "security_group_ids": sorted(vpc.get("SecurityGroupIds", []) or []),
        })
