"""The organisation: accounts with fixed ids, a nested OU tree, and SCPs on OUs.

The OU tree is nested (Workloads -> Synthetic -> Research -> Trials) so that a check
must walk an account's parents to see the SCPs that apply to it: moto, like AWS,
lists only the policies attached directly to a target.
"""
from __future__ import annotations

from synthaudit.demo import ids
from synthaudit.demo.estate_core import Estate, org_account_arn, policy

# A second synthetic account: the clean twin of the missing synthetic->production SCP deny.
SYNTH_RESEARCH = "310000000005"
EXTRA_ACCOUNTS = {SYNTH_RESEARCH: "synthetic-research"}

MANAGEMENT_TAGS = {"Environment": "shared"}  # the management account stays at the root, in no OU

# (name, parent name or None for the root)
OU_TREE = [
    ("Shared", None),
    ("Workloads", None),
    ("Production", "Workloads"),
    ("Synthetic", "Workloads"),
    ("Research", "Synthetic"),
    ("Trials", "Research"),
    ("Suspended", None),
]
ACCOUNT_PLACEMENT = {
    ids.PRODUCTION: "Production",
    ids.SYNTHETIC: "Synthetic",
    ids.LOGGING: "Shared",
    SYNTH_RESEARCH: "Trials",
}

_GLOBAL_SERVICES = ["iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*", "route53:*",
                    "budgets:*", "health:*", "trustedadvisor:*"]

SCPS = [
    ("deny-leave-organization", "Members stay in the organisation.", "ROOT",
     [{"Effect": "Deny", "Action": ["organizations:LeaveOrganization"], "Resource": "*"}]),
    ("protect-security-services", "Nobody in a workload account turns off CloudTrail or Config.", "Workloads",
     [{"Effect": "Deny", "Resource": "*", "Action": [
         "cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors",
         "config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder",
         "config:DeleteDeliveryChannel"]}]),
    ("restrict-regions", "Workloads run in the two approved regions.", "Workloads",
     [{"Effect": "Deny", "NotAction": _GLOBAL_SERVICES, "Resource": "*",
       "Condition": {"StringNotEquals": {"aws:RequestedRegion": list(ids.REGIONS)}}}]),
    ("protect-phi-buckets", "PHI bucket policies change only through the platform role.", "Production",
     [{"Effect": "Deny", "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
                                    "s3:PutBucketPublicAccessBlock"],
       "Resource": "arn:aws:s3:::phi-*",
       "Condition": {"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ids.PRODUCTION}:role/platform-admin"}}}]),
    # Synthetic OU carries SCPs, but none that keeps it away from production: the planted gap.
    ("synthetic-deny-public-s3", "Synthetic workloads never make buckets public.", "Synthetic",
     [{"Effect": "Deny", "Action": ["s3:PutBucketPublicAccessBlock", "s3:PutAccountPublicAccessBlock"],
       "Resource": "*"}]),
    # The clean twin: the research branch denies every action on production-account resources.
    ("deny-synthetic-to-production", "Synthetic research accounts cannot touch production resources.", "Research",
     [{"Sid": "DenyProductionResources", "Effect": "Deny", "Action": "*", "Resource": "*",
       "Condition": {"StringEquals": {"aws:ResourceAccount": [ids.PRODUCTION]}}},
      {"Sid": "DenyProductionTaggedData", "Effect": "Deny", "Action": ["s3:*", "rds:*", "rds-db:*", "kms:Decrypt"],
       "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/Environment": "production"}}}]),
    ("deny-all-suspended", "Suspended accounts can do nothing.", "Suspended",
     [{"Effect": "Deny", "Action": "*", "Resource": "*"}]),
]


def build_organisation(estate: Estate) -> None:
    estate.enter(ids.MANAGEMENT)
    org = estate.client(ids.MANAGEMENT, "organizations")
    org.create_organization(FeatureSet="ALL")
    root_id = org.list_roots()["Roots"][0]["Id"]
    # the management account stays at the root, in no OU: its tag is what classifies it
    org.tag_resource(ResourceId=ids.MANAGEMENT, Tags=[{"Key": k, "Value": v} for k, v in MANAGEMENT_TAGS.items()])
    estate.facts["root_id"] = root_id

    accounts = {**{a: n for a, n in ids.ACCOUNTS.items() if a != ids.MANAGEMENT}, **EXTRA_ACCOUNTS}
    for account_id, name in accounts.items():
        created = org.create_account(AccountName=name, Email=f"aws+{name}@example-health.org",
                                     Tags=[{"Key": "Owner", "Value": "cloud-platform"}])
        got = created["CreateAccountStatus"]["AccountId"]
        if got != account_id:
            raise RuntimeError(
                f"moto gave account {name!r} the id {got}, not {account_id}: the server was not started "
                "through synthaudit.demo.moto_launcher (which pins the organisation's ids)")
    for account_id in accounts:
        estate.enter(account_id)

    ou_ids = {None: root_id}
    for name, parent in OU_TREE:
        ou = org.create_organizational_unit(ParentId=ou_ids[parent], Name=name)
        ou_ids[name] = ou["OrganizationalUnit"]["Id"]
        estate.count(ids.MANAGEMENT, "organizations_ou")
    estate.facts["ou_ids"] = ou_ids
    for account_id, ou_name in ACCOUNT_PLACEMENT.items():
        org.move_account(AccountId=account_id, SourceParentId=root_id, DestinationParentId=ou_ids[ou_name])

    for name, description, target, statements in SCPS:
        created = org.create_policy(Name=name, Description=description, Type="SERVICE_CONTROL_POLICY",
                                    Content=policy(*statements))
        target_id = root_id if target == "ROOT" else ou_ids[target]
        org.attach_policy(PolicyId=created["Policy"]["PolicySummary"]["Id"], TargetId=target_id)
        estate.count(ids.MANAGEMENT, "organizations_scp")

    estate.plant("P01", "FAIL", "SCP_NO_SYNTHETIC_PRODUCTION_DENY",
                 f"arn:aws:organizations::{ids.MANAGEMENT}:ou/{ids.ORG_ID}/{ou_ids['Synthetic']}", ids.MANAGEMENT,
                 "synthetic",
                 "the synthetic-data account (OU Workloads/Synthetic) inherits SCPs, but none denies access to "
                 "production-account resources; the finding sits on the Synthetic OU, the highest OU holding only "
                 "synthetic accounts, where the deny belongs, and names the account")
    estate.plant("P02", "PASS", "SCP_NO_SYNTHETIC_PRODUCTION_DENY", org_account_arn(SYNTH_RESEARCH), SYNTH_RESEARCH,
                 "synthetic",
                 "clean twin: the synthetic-research account sits in Workloads/Synthetic/Research/Trials and "
                 "inherits 'deny-synthetic-to-production' from the Research OU (two levels up)")

