"""What EXTERNAL_ACCESS_TO_RESOURCE reads beyond S3 / KMS / snapshots, collected from moto: AMI
launch permissions, the Glue Data Catalog's resource policy, SQS queues and SNS topics; and a
policy read that fails is recorded on the row (the check says NOT_ASSESSED), never taken as none."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from synthaudit.aws.session import SessionFactory
from synthaudit.checks import run_all
from synthaudit.config import parse_params
from synthaudit.inventory.base import Output, Scope
from synthaudit.inventory.collect import collect_inventory
from synthaudit.inventory.collectors import glue as glue_collector
from synthaudit.inventory.snapshot import write_snapshot

from . import seed
from .seed import PROD, SYNTH

PARTNER = "999988887777"
SERVICES = ("organizations", "ec2", "glue", "sqs", "sns")


def _allow(principal, action: str, resource: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Partner", "Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}]})


@pytest.fixture(scope="module")
def inventory(moto_server):
    ep = moto_server.endpoint_url
    seed.seed_organization(ep)
    seed.seed_audit_roles(ep)
    ec2 = seed.client(ep, PROD, "ec2")
    inst = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    shared = ec2.create_image(InstanceId=inst, Name="phi-etl-shared")["ImageId"]
    ec2.modify_image_attribute(ImageId=shared, Attribute="launchPermission", OperationType="add", UserIds=[PARTNER])
    private = ec2.create_image(InstanceId=inst, Name="phi-etl-private")["ImageId"]
    catalog = f"arn:aws:glue:us-east-1:{PROD}:catalog"
    seed.client(ep, PROD, "glue").put_resource_policy(PolicyInJson=_allow(
        {"AWS": f"arn:aws:iam::{PARTNER}:root"}, "glue:GetTable", catalog))
    sqs = seed.client(ep, PROD, "sqs")
    queue_arn = f"arn:aws:sqs:us-east-1:{PROD}:phi-claims-events"
    sqs.create_queue(QueueName="phi-claims-events", tags={"Environment": "production"}, Attributes={
        "Policy": _allow("*", "sqs:ReceiveMessage", queue_arn), "KmsMasterKeyId": "alias/phi"})
    seed.client(ep, SYNTH, "sqs").create_queue(QueueName="synth-events")
    sns = seed.client(ep, PROD, "sns")
    topic = sns.create_topic(Name="phi-claims-ready", Tags=[{"Key": "Environment", "Value": "production"}])["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy",
                             AttributeValue=_allow({"AWS": PARTNER}, "sns:Subscribe", topic))
    synth_topic = seed.client(ep, SYNTH, "sns").create_topic(Name="synth-ready")["TopicArn"]  # moto's default policy
    params = parse_params(seed.params_dict())
    inv = collect_inventory(params, SessionFactory(params), services=SERVICES)
    return SimpleNamespace(tables=inv.tables, coverage=inv.coverage, shared=shared, private=private, topic=topic,
                           queue=queue_arn, synth_topic=synth_topic, inventory=inv, params=params)


def _one(inventory, kind: str, **where) -> dict:
    found = [r for r in inventory.tables[kind] if all(r.get(k) == v for k, v in where.items())]
    assert len(found) == 1, (kind, where, len(found))
    return found[0]


def test_new_services_are_assessed_in_every_account(inventory):
    statuses = {(c["account"], c["service"]): c["status"] for c in inventory.coverage if c["service"] in ("sqs", "sns")}
    assert statuses and set(statuses.values()) == {"assessed"}, statuses


def test_ami_launch_permission_in_the_shape_of_snapshot_sharing(inventory):
    shared = _one(inventory, "ec2_images", image_id=inventory.shared)
    assert (shared["shared_with"], shared["public"], shared["account"]) == ([PARTNER], False, PROD)
    assert _one(inventory, "ec2_images", image_id=inventory.private)["shared_with"] == []


def test_glue_catalog_policy(inventory):
    prod = _one(inventory, "glue_catalogs", account=PROD)
    assert prod["policy"]["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{PARTNER}:root"}
    assert prod["detail_errors"] == {}
    synth = _one(inventory, "glue_catalogs", account=SYNTH)
    assert synth["policy"] is None and synth["detail_errors"] == {}


def test_sqs_queues_with_policy_encryption_and_classification(inventory):
    queue = _one(inventory, "sqs_queues", name="phi-claims-events")
    assert (queue["arn"], queue["account"], queue["environment"]) == (inventory.queue, PROD, "production")
    assert queue["policy"]["Statement"][0]["Principal"] == "*" and queue["kms_master_key_id"] == "alias/phi"
    assert queue["tags"] == {"Environment": "production"} and queue["queue_url"].endswith("/phi-claims-events")
    synth = _one(inventory, "sqs_queues", name="synth-events")
    assert (synth["account"], synth["environment"], synth["policy"]) == (SYNTH, "synthetic", None)


def test_sns_topics_with_policy_and_classification(inventory):
    topic = _one(inventory, "sns_topics", arn=inventory.topic)
    assert (topic["name"], topic["account"], topic["environment"]) == ("phi-claims-ready", PROD, "production")
    assert topic["policy"]["Statement"][0]["Principal"] == {"AWS": PARTNER}
    assert topic["tags"] == {"Environment": "production"} and topic["detail_errors"] == {}
    default = _one(inventory, "sns_topics", arn=inventory.synth_topic)["policy"]["Statement"][0]
    assert default["Principal"] == {"AWS": "*"} and "AWS:SourceOwner" in json.dumps(default["Condition"])


def test_the_check_reads_what_was_collected(inventory, tmp_path):
    """End to end on moto's answers: the partner-shared AMI, catalog policy, open queue and topic FAIL;
    the unshared AMI, the synthetic account's catalog (no policy), queue and topic (SNS's default
    policy: everyone, bounded to the owner account by AWS:SourceOwner) PASS."""
    inv = inventory.inventory
    snap = write_snapshot(tmp_path / "snapshot", inv.tables, inv.coverage, inv.organizations, inv.iam_raw,
                          inv.resource_policies, {"label": "test"})
    found = {f.resource: f.status for f in run_all(snap, inventory.params, store=object(),
                                                   only=["EXTERNAL_ACCESS_TO_RESOURCE"])}
    image = {r["image_id"]: r["arn"] for r in inventory.tables["ec2_images"]}
    synth_queue = _one(inventory, "sqs_queues", name="synth-events")["arn"]
    assert {found[image[inventory.shared]], found[f"arn:aws:glue:us-east-1:{PROD}:catalog"], found[inventory.queue],
            found[inventory.topic]} == {"FAIL"}
    assert {found[image[inventory.private]], found[f"arn:aws:glue:us-east-1:{SYNTH}:catalog"],
            found[synth_queue], found[inventory.synth_topic]} == {"PASS"}


class _DeniedGlue:
    """A Glue client that reads the encryption settings and is denied the resource policy."""

    def get_data_catalog_encryption_settings(self, **_):
        return {"DataCatalogEncryptionSettings": {}}

    def get_resource_policy(self, **_):
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "GetResourcePolicy")


class _MissingPolicyGlue(_DeniedGlue):
    def get_resource_policy(self, **_):
        raise ClientError({"Error": {"Code": "EntityNotFoundException", "Message": "none"}}, "GetResourcePolicy")


@pytest.mark.parametrize("client,errors", [(_DeniedGlue(), ["glue:GetResourcePolicy"]), (_MissingPolicyGlue(), [])])
def test_glue_policy_denied_is_a_detail_error_not_none(client, errors):
    clients = SimpleNamespace(get=lambda account, service, region: client)
    scope = Scope(PROD, "us-east-1", clients, "us-east-1", None, Output())
    glue_collector._catalog(scope)
    [row] = scope.output.rows["glue_catalogs"]
    assert row["policy"] is None and sorted(row["detail_errors"]) == errors
    assert all("access_denied" in e for e in row["detail_errors"].values())
