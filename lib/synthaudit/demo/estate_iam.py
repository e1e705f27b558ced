"""IAM in every account: the audit role, a realistic bulk of people and workloads,
and the planted principals (with their clean twins) that the IAM review must judge.

Bulk principals are generated from data tables with a fixed seed; they only touch
their own environment, so the planted ones stand out the way real mistakes do.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from synthaudit.demo import ids
from synthaudit.demo.estate_core import ACCOUNT_ENV, ENV_TAGS, Estate, allow, policy, role_arn, tags_list
from synthaudit.demo.estate_org import EXTRA_ACCOUNTS

AUDIT_POLICY_NAME = "SynthauditReadOnlyPolicy"
EXTERNAL_VENDOR = "999988887777"  # a fictitious analytics vendor outside the organisation
PREFIX = {"production": "prod", "synthetic": "synth", "shared": "shared"}


def audit_role_policy_document() -> str:
    """The least-privilege policy the kit needs, shipped beside the session code."""
    return resources.files("synthaudit.aws").joinpath("audit_role_policy.json").read_text()


def trust(principal: dict[str, Any], condition: dict[str, Any] | None = None) -> str:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    return policy(stmt)


def service_trust(service: str) -> str:
    return trust({"Service": f"{service}.amazonaws.com"})


@dataclass(frozen=True)
class RoleSpec:
    """A role with what it can do; ``instance_profile`` also wraps it for EC2."""

    account: str
    name: str
    trust_policy: str
    inline: dict[str, str] = field(default_factory=dict)
    managed: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    boundary: str | None = None
    instance_profile: bool = False
    path: str = "/"
    description: str = ""


def create_role(estate: Estate, spec: RoleSpec) -> str:
    iam = estate.client(spec.account, "iam")
    kwargs: dict[str, Any] = {"RoleName": spec.name, "Path": spec.path, "AssumeRolePolicyDocument": spec.trust_policy,
                              "Description": spec.description, "Tags": tags_list(spec.tags)}
    if spec.boundary:
        kwargs["PermissionsBoundary"] = spec.boundary
    arn = iam.create_role(**kwargs)["Role"]["Arn"]
    for pname, doc in spec.inline.items():
        iam.put_role_policy(RoleName=spec.name, PolicyName=pname, PolicyDocument=doc)
    for parn in spec.managed:
        iam.attach_role_policy(RoleName=spec.name, PolicyArn=parn)
    estate.count(spec.account, "iam_role")
    if spec.instance_profile:
        iam.create_instance_profile(InstanceProfileName=spec.name, Path=spec.path, Tags=tags_list(spec.tags))
        iam.add_role_to_instance_profile(InstanceProfileName=spec.name, RoleName=spec.name)
        estate.count(spec.account, "iam_instance_profile")
    return arn


def create_audit_roles(estate: Estate) -> None:
    """SynthauditReadOnly in every account, trusted by the management account only."""
    doc = audit_role_policy_document()
    json.loads(doc)  # fail early on a broken policy file
    for account in [*ids.ACCOUNTS, *EXTRA_ACCOUNTS]:
        iam = estate.client(account, "iam")
        parn = iam.create_policy(PolicyName=AUDIT_POLICY_NAME, PolicyDocument=doc,
                                 Description="Read-only inventory for the synthaudit kit")["Policy"]["Arn"]
        estate.count(account, "iam_policy")
        create_role(estate, RoleSpec(
            account=account, name=ids.AUDIT_ROLE, managed=(parn,),
            trust_policy=trust({"AWS": f"arn:aws:iam::{ids.MANAGEMENT}:root"},
                               {"StringEquals": {"aws:PrincipalOrgID": ids.ORG_ID}}),
            tags={"Environment": "shared", "Owner": "security-audit"},
            description="Assumed by the synthaudit kit from the management account"))


# ---------------------------------------------------------------- bulk principals

FIRST = ["amara", "ben", "chen", "dana", "eli", "fatima", "gus", "hana", "ivan", "jo", "kwame", "lena", "mateo",
         "nia", "omar", "priya", "quinn", "rosa", "sam", "tomas", "uma", "victor", "wen", "xavi", "yara", "zoe"]
LAST = ["adeyemi", "brooks", "costa", "dubois", "eriksen", "fischer", "garcia", "haddad", "ito", "jensen",
        "kowalski", "li", "moreau", "nakamura", "okafor", "patel", "quispe", "rossi", "silva", "tanaka"]

# groups per environment: name -> AWS-managed policies
GROUPS = {
    "production": {"clinical-data-engineers": ["job-function/ViewOnlyAccess"], "platform-operators": ["job-function/ViewOnlyAccess"],
                   "billing-analysts": ["job-function/ViewOnlyAccess"], "security-reviewers": ["SecurityAudit"],
                   "oncall": ["job-function/ViewOnlyAccess"]},
    "synthetic": {"synthetic-data-scientists": ["job-function/ViewOnlyAccess"],
                  "synthetic-engineers": ["job-function/ViewOnlyAccess"], "privacy-reviewers": ["SecurityAudit"],
                  "oncall": ["job-function/ViewOnlyAccess"]},
    "shared": {"cloud-platform": ["job-function/ViewOnlyAccess"], "security-reviewers": ["SecurityAudit"],
               "finops": ["job-function/Billing"]},
}
USERS_PER_ACCOUNT = {ids.MANAGEMENT: 12, ids.PRODUCTION: 36, ids.SYNTHETIC: 28, ids.LOGGING: 8}

# workload roles: (team, purpose, trusted service, data actions)
WORKLOADS = [
    ("claims", "ingest", "lambda", ["s3:PutObject", "s3:GetObject"]),
    ("claims", "validate", "lambda", ["s3:GetObject"]),
    ("claims", "etl", "glue", ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]),
    ("ehr", "export", "glue", ["s3:GetObject", "s3:ListBucket"]),
    ("ehr", "indexer", "lambda", ["s3:GetObject"]),
    ("imaging", "convert", "ec2", ["s3:GetObject", "s3:PutObject"]),
    ("imaging", "thumbnail", "lambda", ["s3:GetObject", "s3:PutObject"]),
    ("labs", "loader", "glue", ["s3:GetObject", "s3:PutObject"]),
    ("labs", "notifier", "lambda", ["s3:GetObject"]),
    ("billing", "reconcile", "states", ["s3:GetObject"]),
    ("billing", "report", "lambda", ["s3:GetObject", "s3:PutObject"]),
    ("research", "cohort", "sagemaker", ["s3:GetObject", "s3:ListBucket"]),
    ("research", "feature", "sagemaker", ["s3:GetObject", "s3:PutObject"]),
    ("platform", "backup", "ec2", ["s3:PutObject", "s3:ListBucket"]),
    ("platform", "patching", "ec2", ["s3:GetObject"]),
    ("platform", "metrics", "lambda", ["s3:PutObject"]),
    ("quality", "profiler", "glue", ["s3:GetObject", "s3:ListBucket"]),
    ("quality", "checker", "states", ["s3:GetObject"]),
    ("ops", "runner", "ec2", ["s3:GetObject"]),
    ("ops", "rotation", "lambda", ["s3:GetObject"]),
]
ROLE_COPIES = {ids.MANAGEMENT: 1, ids.PRODUCTION: 3, ids.SYNTHETIC: 2, ids.LOGGING: 1}


def _boundary_doc(env: str) -> str:
    prefix = PREFIX[env]
    return policy(
        allow(["s3:*", "logs:*", "cloudwatch:*", "glue:*", "states:*", "lambda:*", "sagemaker:*", "kms:Decrypt",
               "kms:GenerateDataKey"], "*", sid="WorkloadServices"),
        {"Sid": "StayInOwnData", "Effect": "Deny", "Action": "s3:*",
         "NotResource": [f"arn:aws:s3:::{prefix}-*", f"arn:aws:s3:::{prefix}-*/*", "arn:aws:s3:::phi-*",
                         "arn:aws:s3:::phi-*/*"] if env == "production" else
         [f"arn:aws:s3:::{prefix}-*", f"arn:aws:s3:::{prefix}-*/*"]},
        {"Sid": "NoIamChanges", "Effect": "Deny", "Action": ["iam:*", "organizations:*"], "Resource": "*"})


def build_bulk_iam(estate: Estate, account: str) -> None:
    env = ACCOUNT_ENV[account]
    prefix = PREFIX[env]
    iam = estate.client(account, "iam")
    rng = estate.rng(f"iam:{account}")
    env_tags = ENV_TAGS[env]

    boundary_arn = iam.create_policy(PolicyName=f"{prefix}-workload-boundary", PolicyDocument=_boundary_doc(env),
                                     Description="Permission boundary of every workload role",
                                     Tags=tags_list(env_tags))["Policy"]["Arn"]
    estate.count(account, "iam_policy")

    groups = list(GROUPS[env])
    for g in groups:
        iam.create_group(GroupName=g, Path="/teams/")
        for managed in GROUPS[env][g]:
            iam.attach_group_policy(GroupName=g, PolicyArn=f"arn:aws:iam::aws:policy/{managed}")
        estate.count(account, "iam_group")
    # a customer-managed self-service policy shared by every human group
    self_service = iam.create_policy(PolicyName=f"{prefix}-self-service-credentials", PolicyDocument=policy(
        allow(["iam:ChangePassword", "iam:GetUser", "iam:CreateAccessKey", "iam:ListAccessKeys",
               "iam:DeleteAccessKey", "iam:EnableMFADevice", "iam:ListMFADevices"],
              f"arn:aws:iam::{account}:user/${{aws:username}}")))["Policy"]["Arn"]
    estate.count(account, "iam_policy")
    for g in groups:
        iam.attach_group_policy(GroupName=g, PolicyArn=self_service)

    names: set[str] = set()
    while len(names) < USERS_PER_ACCOUNT[account]:
        names.add(f"{rng.choice(FIRST)}.{rng.choice(LAST)}")
    for user in sorted(names):
        iam.create_user(UserName=user, Path="/people/", Tags=tags_list({**env_tags, "Team": rng.choice(groups)}))
        for g in rng.sample(groups, k=rng.choice([1, 1, 2])):
            iam.add_user_to_group(GroupName=g, UserName=user)
        if rng.random() < 0.3:
            iam.create_access_key(UserName=user)
        estate.count(account, "iam_user")

    bucket_scope = [f"arn:aws:s3:::{prefix}-*", f"arn:aws:s3:::{prefix}-*/*"]
    if env == "production":
        bucket_scope += ["arn:aws:s3:::phi-*", "arn:aws:s3:::phi-*/*"]
    for copy in range(ROLE_COPIES[account]):
        for team, purpose, service, actions in WORKLOADS:
            name = f"{prefix}-{team}-{purpose}" + (f"-{copy + 1:02d}" if copy else "")
            doc = policy(allow(sorted(actions), bucket_scope, sid="OwnEnvironmentData"),
                         allow(["logs:CreateLogStream", "logs:PutLogEvents"],
                               f"arn:aws:logs:*:{account}:log-group:/{prefix}/{team}/*", sid="Logs"))
            parn = iam.create_policy(PolicyName=f"{name}-access", PolicyDocument=doc, Path=f"/{team}/",
                                     Tags=tags_list(env_tags))["Policy"]["Arn"]
            estate.count(account, "iam_policy")
            managed = [parn]
            if service == "lambda":
                managed.append("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
            elif service == "glue":
                managed.append("arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole")
            create_role(estate, RoleSpec(
                account=account, name=name, trust_policy=service_trust(service), managed=tuple(managed),
                tags={**env_tags, "Team": team, "Service": service},
                boundary=boundary_arn if rng.random() < 0.6 else None,
                instance_profile=service == "ec2", path="/workloads/",
                description=f"{team} {purpose} ({service})"))
    # human access roles, the way SSO permission sets appear in member accounts
    for pset, managed in [("ViewOnly", "job-function/ViewOnlyAccess"), ("DataEngineer", "job-function/ViewOnlyAccess"),
                          ("SecurityAudit", "SecurityAudit")]:
        create_role(estate, RoleSpec(
            account=account, name=f"AWSReservedSSO_{pset}_{rng.getrandbits(64):016x}",
            path="/aws-reserved/sso.amazonaws.com/",
            trust_policy=policy({"Effect": "Allow", "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                                 "Principal": {"Federated": f"arn:aws:iam::{account}:saml-provider/AWSSSO_0123abcd_DO_NOT_DELETE"},
                                 "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}),
            managed=(f"arn:aws:iam::aws:policy/{managed}",), tags={}))
    estate.facts.setdefault("boundary", {})[account] = boundary_arn


# ---------------------------------------------------------------- planted principals

def _prod_db_reach() -> list[dict[str, Any]]:
    """What a principal needs to read the production Aurora cluster and database."""
    return [
        allow("rds-db:connect", [f"arn:aws:rds-db:{ids.HOME_REGION}:{ids.PRODUCTION}:dbuser:*/synth_reader"],
              sid="ConnectToProductionDb"),
        allow(["rds-data:ExecuteStatement", "rds-data:BatchExecuteStatement"],
              f"arn:aws:rds:{ids.HOME_REGION}:{ids.PRODUCTION}:cluster:prod-claims-aurora", sid="QueryProductionCluster"),
        allow(["rds:DescribeDBClusters", "rds:DescribeDBInstances"], "*", sid="Describe"),
    ]


def _synth_data(actions: list[str], buckets: list[str]) -> dict[str, Any]:
    res = [f"arn:aws:s3:::{b}" for b in buckets] + [f"arn:aws:s3:::{b}/*" for b in buckets]
    return allow(sorted(actions), res, sid="SyntheticData")


SYNTH_BUCKETS = ["synth-output-data", "synth-cohorts-curated", "synth-model-artifacts"]
PHI_CLAIMS = ["arn:aws:s3:::phi-claims-prod", "arn:aws:s3:::phi-claims-prod/*"]


def planted_roles() -> list[RoleSpec]:
    s, p = ids.SYNTHETIC, ids.PRODUCTION
    syn = ENV_TAGS["synthetic"]
    read = ["s3:GetObject", "s3:ListBucket"]
    return [
        RoleSpec(s, ids.SYNTH_GENERATOR_ROLE, service_trust("ec2"), instance_profile=True, tags={**syn, "Team": "generation"},
                 inline={"generator-inputs": policy(
                     _synth_data(read + ["s3:PutObject"], SYNTH_BUCKETS),
                     allow(["s3:GetObject", "s3:ListBucket"], PHI_CLAIMS, sid="ReadProductionClaims"),
                     allow(["kms:Decrypt"], f"arn:aws:kms:{ids.HOME_REGION}:{p}:key/*", sid="DecryptProductionData"),
                     *_prod_db_reach())},
                 description="Synthetic data generator instances"),
        RoleSpec(s, "synth-evaluator", service_trust("ec2"), instance_profile=True, tags={**syn, "Team": "generation"},
                 inline={"evaluator-data": policy(_synth_data(read, SYNTH_BUCKETS))},
                 description="Scores synthetic outputs; synthetic data only"),
        RoleSpec(s, ids.SYNTH_PIPELINE_ROLE, policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
            "Service": ["states.amazonaws.com", "glue.amazonaws.com", "lambda.amazonaws.com"]}}),
                 tags={**syn, "Team": "generation"},
                 inline={"pipeline": policy(_synth_data(read + ["s3:PutObject"], SYNTH_BUCKETS),
                                            allow(["lambda:InvokeFunction"], f"arn:aws:lambda:*:{s}:function:synth-*"),
                                            allow(["glue:StartJobRun", "glue:GetJobRun"], f"arn:aws:glue:*:{s}:job/synth-*"))},
                 managed=("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",),
                 description="Step Functions / Glue / Lambda role of the synthetic pipeline"),
        RoleSpec(s, ids.SYNTH_ANALYST_ROLE, trust({"AWS": f"arn:aws:iam::{s}:root"}), tags={**syn, "Team": "analytics"},
                 inline={"analyst": policy(_synth_data(read, SYNTH_BUCKETS),
                                           allow(["lakeformation:GetDataAccess", "glue:GetTable", "glue:GetTables",
                                                  "athena:StartQueryExecution", "athena:GetQueryResults"], "*"))},
                 description="Synthetic-data analysts (humans)"),
        RoleSpec(s, "synth-cohort-builder", service_trust("glue"), tags={**syn, "Team": "analytics"},
                 inline={"cohorts": policy(_synth_data(read + ["s3:PutObject"], ["synth-cohorts-curated"]),
                                           allow(["lakeformation:GetDataAccess", "glue:GetTable"], "*"))},
                 description="Builds cohorts from column-restricted production tables"),
        RoleSpec(s, "synth-notebook-exec", service_trust("sagemaker"), tags={**syn, "Team": "research"},
                 inline={"notebook-data": policy(allow("s3:*", "*", sid="AllS3"),
                                                 allow(["logs:CreateLogStream", "logs:PutLogEvents"], "*"))},
                 description="SageMaker notebook execution role (s3:* on *)"),
        RoleSpec(s, "synth-sagemaker-eval", service_trust("sagemaker"), tags={**syn, "Team": "research"},
                 inline={"eval-data": policy(_synth_data(read + ["s3:PutObject"], ["synth-model-artifacts", "synth-output-data"]))},
                 description="SageMaker evaluation role, synthetic data only"),
        RoleSpec(s, "synth-data-share", trust({"AWS": "*"}), tags={**syn, "Team": "partnerships"},
                 inline={"share": policy(_synth_data(read, ["synth-output-data"]))},
                 description="Shares synthetic outputs; trust policy open to any AWS principal"),
        RoleSpec(s, "synth-vendor-access", trust({"AWS": f"arn:aws:iam::{EXTERNAL_VENDOR}:root"}),
                 tags={**syn, "Team": "partnerships", "Vendor": "acme-analytics"},
                 inline={"vendor": policy(_synth_data(read, ["synth-output-data"]))},
                 description="Vendor access without an ExternalId"),
        RoleSpec(s, "synth-vendor-reader", trust({"AWS": f"arn:aws:iam::{EXTERNAL_VENDOR}:root"},
                                                 {"StringEquals": {"sts:ExternalId": "acme-7f3c9e21"}}),
                 tags={**syn, "Team": "partnerships", "Vendor": "acme-analytics"},
                 inline={"vendor": policy(_synth_data(read, ["synth-output-data"]))},
                 description="Vendor access guarded by an ExternalId"),
        RoleSpec(s, "synth-org-share", trust({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": ids.ORG_ID}}),
                 tags={**syn, "Team": "partnerships"},
                 inline={"share": policy(_synth_data(read, ["synth-output-data"]))},
                 description="Shares synthetic outputs with any principal of the organisation"),
        RoleSpec(s, "synth-pipeline-deployer", trust({"AWS": f"arn:aws:iam::{s}:root"}), tags={**syn, "Team": "generation"},
                 inline={"deploy": policy(allow(["iam:PassRole"], "*", sid="PassAnyRole"),
                                          allow(["lambda:CreateFunction", "lambda:InvokeFunction",
                                                 "lambda:UpdateFunctionCode"], "*", sid="ManageFunctions"))},
                 description="CI deployer: iam:PassRole on * with lambda:CreateFunction"),
        RoleSpec(s, "synth-function-publisher", trust({"AWS": f"arn:aws:iam::{s}:root"}), tags={**syn, "Team": "generation"},
                 inline={"publish": policy(allow(["lambda:UpdateFunctionCode", "lambda:PublishVersion",
                                                  "lambda:GetFunction"], f"arn:aws:lambda:*:{s}:function:synth-*"))},
                 description="Publishes new code to existing synthetic functions; cannot pass roles"),
        RoleSpec(s, "synth-lambda-sampler", service_trust("lambda"), tags={**syn, "Team": "generation"},
                 managed=("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",),
                 inline={"sampler": policy(allow(["s3:GetObject"], PHI_CLAIMS[1], sid="SampleProductionClaims"),
                                           allow(["kms:Decrypt"], f"arn:aws:kms:{ids.HOME_REGION}:{p}:key/*"),
                                           _synth_data(["s3:PutObject"], ["synth-output-data"]))},
                 description="Lambda that samples production claims into the synthetic account"),
        RoleSpec(s, "synth-lambda-reporter", service_trust("lambda"), tags={**syn, "Team": "generation"},
                 managed=("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",),
                 inline={"reporter": policy(_synth_data(["s3:GetObject", "s3:PutObject"], ["synth-output-data"]))},
                 description="Lambda that reports on synthetic outputs"),
        RoleSpec(s, "synth-glue-etl", service_trust("glue"), tags={**syn, "Team": "generation"},
                 managed=("arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole",),
                 inline={"etl": policy(allow(["s3:GetObject", "s3:ListBucket"], PHI_CLAIMS, sid="ReadProductionClaims"),
                                       allow(["kms:Decrypt"], f"arn:aws:kms:{ids.HOME_REGION}:{p}:key/*"),
                                       *_prod_db_reach(), _synth_data(["s3:PutObject"], SYNTH_BUCKETS))},
                 description="Glue extraction job role reading production"),
        RoleSpec(s, "synth-glue-aggregate", service_trust("glue"), tags={**syn, "Team": "generation"},
                 managed=("arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole",),
                 inline={"aggregate": policy(_synth_data(["s3:GetObject", "s3:PutObject", "s3:ListBucket"], SYNTH_BUCKETS))},
                 description="Glue aggregation over synthetic data only"),
        # production account
        RoleSpec(p, ids.PROD_ETL_ROLE, service_trust("glue"), tags={**ENV_TAGS["production"], "Team": "claims"},
                 managed=("arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole",),
                 inline={"etl": policy(allow(["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                                             ["arn:aws:s3:::phi-*", "arn:aws:s3:::phi-*/*"]))},
                 description="Production claims ETL"),
        RoleSpec(p, "platform-admin", trust({"AWS": f"arn:aws:iam::{ids.MANAGEMENT}:root"},
                                            {"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
                 tags={**ENV_TAGS["production"], "Team": "platform"},
                 managed=("arn:aws:iam::aws:policy/AdministratorAccess",), description="Break-glass platform admin"),
        RoleSpec(p, "prod-claims-vendor-export", trust({"AWS": f"arn:aws:iam::{EXTERNAL_VENDOR}:root"},
                                                       {"StringEquals": {"sts:ExternalId": "acme-claims-2b81"}}),
                 tags={**ENV_TAGS["production"], "Team": "partnerships", "Vendor": "acme-analytics"},
                 inline={"export": policy(allow(["s3:GetObject"], PHI_CLAIMS[1], sid="ReadClaims"))},
                 description="Vendor pulls claims extracts; guarded by an ExternalId"),
        RoleSpec(p, "synth-imaging-sampler", service_trust("ec2"), instance_profile=True,
                 tags={**syn, "Team": "research"},
                 inline={"sampler": policy(allow(["s3:GetObject", "s3:ListBucket"],
                                                 ["arn:aws:s3:::phi-imaging-prod", "arn:aws:s3:::phi-imaging-prod/*"]))},
                 description="Synthetic imaging sampler that lives in the production account (tagged synthetic)"),
        RoleSpec(p, "prod-lf-analyst", trust({"AWS": f"arn:aws:iam::{p}:root"}), tags={**ENV_TAGS["production"], "Team": "claims"},
                 inline={"lf": policy(allow(["lakeformation:GetDataAccess", "glue:GetTable"], "*"))},
                 description="Production analysts querying PHI through Lake Formation"),
    ]


def build_planted_iam(estate: Estate) -> None:
    s = ids.SYNTHETIC
    arns = {spec.name: create_role(estate, spec) for spec in planted_roles()}
    estate.facts["roles"] = arns
    iam = estate.client(s, "iam")
    iam.create_user(UserName="synth-ops-bot", Path="/service/", Tags=tags_list({**ENV_TAGS["synthetic"], "Team": "ops"}))
    iam.put_user_policy(UserName="synth-ops-bot", PolicyName="policy-maintenance", PolicyDocument=policy(
        allow(["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:ListPolicies", "iam:GetPolicy"], "*")))
    iam.create_user(UserName="synth-policy-reader", Path="/service/",
                    Tags=tags_list({**ENV_TAGS["synthetic"], "Team": "ops"}))
    iam.put_user_policy(UserName="synth-policy-reader", PolicyName="policy-review", PolicyDocument=policy(
        allow(["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions", "iam:ListPolicies"], "*")))
    estate.count(s, "iam_user", 2)

    def r(name: str, account: str = s) -> str:
        return role_arn(account, name)

    def u(name: str) -> str:
        return f"arn:aws:iam::{s}:user/service/{name}"

    def ip(name: str) -> str:
        return f"arn:aws:iam::{s}:instance-profile/{name}"

    E = "synthetic"
    estate.plant("P10", "FAIL", "IAM_SYNTHETIC_REACHES_PRODUCTION", r(ids.SYNTH_GENERATOR_ROLE), s, E,
                 "synth-generator can read phi-claims-prod (its bucket policy grants it), decrypt with the "
                 "production claims key and connect to the production Aurora cluster")
    estate.plant("P11", "PASS", "IAM_SYNTHETIC_REACHES_PRODUCTION", r("synth-evaluator"), s, E,
                 "clean twin: synth-evaluator reads synthetic buckets only")
    estate.plant("P12", "FAIL", "EC2_PROFILE_REACHES_PRODUCTION", ip(ids.SYNTH_GENERATOR_ROLE), s, E,
                 "the synthetic generator's instance profile has rds-db:connect / rds-data on production and "
                 "s3:GetObject on phi-claims-prod")
    estate.plant("P13", "PASS", "EC2_PROFILE_REACHES_PRODUCTION", ip("synth-evaluator"), s, E,
                 "clean twin: the evaluator's instance profile reaches synthetic data only")
    estate.plant("P14", "FAIL", "IAM_WILDCARD_GRANT", r("synth-notebook-exec"), s, E,
                 "synthetic SageMaker execution role with an inline policy allowing s3:* on *")
    estate.plant("P15", "PASS", "IAM_WILDCARD_GRANT", r("synth-cohort-builder"), s, E,
                 "clean twin: synthetic role with named actions on named buckets")
    estate.plant("P16", "FAIL", "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD", r("synth-data-share"), s, E,
                 "synthetic role whose trust policy allows Principal AWS '*' with no condition (low: the role "
                 "reaches no production data)", severity="low")
    estate.plant("P17", "FAIL", "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD", r("synth-vendor-access"), s, E,
                 f"synthetic role assumable by external account {EXTERNAL_VENDOR} without an sts:ExternalId condition")
    estate.plant("P18", "FAIL", "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD", r("synth-vendor-reader"), s, E,
                 f"the same vendor account {EXTERNAL_VENDOR}, narrowed by sts:ExternalId: reported with the "
                 "condition, low (narrowed, and the role reaches no production data)", severity="low")
    estate.plant("P154", "FAIL", "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD", r("prod-claims-vendor-export", ids.PRODUCTION),
                 ids.PRODUCTION, "production", f"production role that reads phi-claims-prod, assumable by external "
                 f"account {EXTERNAL_VENDOR} narrowed by sts:ExternalId: medium (high, one step lower for the "
                 "condition)", severity="medium")
    estate.plant("P155", "PASS", "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD", r("synth-org-share"), s, E,
                 "clean twin of P16: Principal AWS '*' narrowed by aws:PrincipalOrgID of the organisation, which "
                 "removes every principal outside it")
    estate.plant("P19", "PASS", "IAM_CROSS_ACCOUNT_TRUST_TOO_BROAD", r(ids.AUDIT_ROLE), s, "shared",
                 "clean twin: the audit role trusts the management account of the same organisation "
                 "(aws:PrincipalOrgID condition)")
    estate.plant("P20", "FAIL", "IAM_PRIVILEGE_ESCALATION", r("synth-pipeline-deployer"), s, E,
                 "iam:PassRole on * together with lambda:CreateFunction and lambda:InvokeFunction: can run code "
                 "as any role in the account")
    estate.plant("P21", "FAIL", "IAM_PRIVILEGE_ESCALATION", u("synth-ops-bot"), s, E,
                 "iam:CreatePolicyVersion + iam:SetDefaultPolicyVersion on *: can rewrite any customer policy")
    estate.plant("P22", "PASS", "IAM_PRIVILEGE_ESCALATION", r("synth-function-publisher"), s, E,
                 "clean twin: updates code of existing synthetic functions, no iam:PassRole, no CreateFunction")
    estate.plant("P23", "PASS", "IAM_PRIVILEGE_ESCALATION", u("synth-policy-reader"), s, E,
                 "clean twin: reads policy versions but cannot create or set them")
