"""The builder's plumbing: one session per account entered by assume-role, cached
clients, the register of what is planted (``Plant`` records), and small helpers every estate part shares.

Only the demo builders use this module; the kit never does.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from synthaudit.demo import ids
from synthaudit.demo.plant import Plant

# Where member accounts are entered from the management account, as a real organisation does.
MEMBER_ACCESS_ROLE = "OrganizationAccountAccessRole"
BUILDER_SESSION = "synthaudit-estate-builder"
SEED = 20261125  # moto's random ids and the names of the bulk resources both come from this

# AWS-managed policies the estate attaches; the launcher loads these (and only these) into moto.
AWS_MANAGED_POLICIES_USED = (
    "AdministratorAccess", "ReadOnlyAccess", "SecurityAudit", "ViewOnlyAccess", "Billing",
    "AWSLambdaBasicExecutionRole", "AWSGlueServiceRole", "AmazonSageMakerFullAccess",
    "AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy", "AWSStepFunctionsFullAccess",
    "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess", "AWS_ConfigRole",
)

DEMO_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3})


@dataclass
class Estate:
    """Handle on the estate being built: sessions per account, clients, what is planted."""

    endpoint_url: str
    base: boto3.Session
    sessions: dict[str, boto3.Session] = field(default_factory=dict)
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)  # per account, from assume-role
    planted: list[Plant] = field(default_factory=list)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)  # ids learned while building (endpoints, key ids)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per build step
    _clients: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    _base_clients: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def connect(cls, endpoint_url: str) -> "Estate":
        return cls(endpoint_url=endpoint_url, base=boto3.Session(**DEMO_CREDENTIALS, region_name=ids.HOME_REGION))

    def enter(self, account_id: str) -> None:
        """Assume a role in ``account_id``: OrganizationAccountAccessRole in members, and in the management
        account a builder role (moto's dummy credentials live in its default account 123456789012,
        outside the organisation; moto lets assume-role switch to any account)."""
        if "sts" not in self._base_clients:
            self._base_clients["sts"] = self.base.client("sts", endpoint_url=self.endpoint_url, config=_CONFIG)
        creds = self._base_clients["sts"].assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{MEMBER_ACCESS_ROLE}",
                                                      RoleSessionName=BUILDER_SESSION)["Credentials"]
        self.credentials[account_id] = {"aws_access_key_id": creds["AccessKeyId"],
                                        "aws_secret_access_key": creds["SecretAccessKey"],
                                        "aws_session_token": creds["SessionToken"]}
        self.sessions[account_id] = boto3.Session(**self.credentials[account_id], region_name=ids.HOME_REGION)

    def client(self, account_id: str, service: str, region: str = ids.HOME_REGION) -> Any:
        """A cached client in ``account_id``. Made from the one base session with the account's credentials,
        so every client shares its loaded service models (a fresh session per account loads them again,
        ≈0.1 s a client)."""
        key = (account_id, service, region)
        if key not in self._clients:
            self._clients[key] = self.base.client(service, region_name=region, endpoint_url=self.endpoint_url,
                                                  config=_CONFIG, **self.credentials[account_id])
        return self._clients[key]

    def count(self, account_id: str, kind: str, n: int = 1) -> None:
        self.counts[(account_id, kind)] = self.counts.get((account_id, kind), 0) + n

    def plant(self, pid: str, expect: str, check: str, resource: str, account: str,
              environment: str, description: str, severity: str | None = None) -> None:
        if any(p.id == pid for p in self.planted):
            raise ValueError(f"answer-key id {pid} planted twice")
        self.planted.append(Plant(pid, expect, check, resource, account, description, environment, severity))

    def rng(self, purpose: str) -> random.Random:
        """A random stream per purpose, so adding one table does not reshuffle the others."""
        return random.Random(f"{SEED}:{purpose}")


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions: str | list[str], resources: str | list[str], sid: str | None = None,
          **extra: Any) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if sid:
        stmt["Sid"] = sid
    stmt.update(extra)
    return stmt


def tags_list(tags: dict[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in tags.items()]


def role_arn(account_id: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account_id}:role{path}{name}"


def org_account_arn(account_id: str) -> str:
    """Account-level findings (SCP, Config) name the account by its organisation ARN."""
    return f"arn:aws:organizations::{ids.MANAGEMENT}:account/{ids.ORG_ID}/{account_id}"


ENV_TAGS = {
    "production": {"Environment": "production", "DataClass": "phi"},
    "synthetic": {"Environment": "synthetic", "DataClass": "synthetic"},
    "shared": {"Environment": "shared"},
}

ACCOUNT_ENV = {
    ids.MANAGEMENT: "shared",
    ids.PRODUCTION: "production",
    ids.SYNTHETIC: "synthetic",
    ids.LOGGING: "shared",
}
