"""Each evaluation rule, with a case that fails if the rule is wrong."""
import pytest

from helpers import ACCT, OTHER, ROLE, USER, doc, stmt, store
from synthaudit.iam import PolicyError, PolicyStore

BUCKET = "arn:aws:s3:::data"
OBJ = "arn:aws:s3:::data/a.csv"
KEY = f"arn:aws:kms:us-east-1:{ACCT}:key/k1"


def test_allow_and_implicit_deny():
    s = store([stmt("Allow", "s3:GetObject", f"{BUCKET}/*", Sid="Read")])
    d = s.evaluate(ROLE, "s3:GetObject", OBJ)
    assert d.outcome == "allowed"
    assert d.statements == ((f"{ROLE}/inline", "identity", "Read", "Allow"),)
    assert s.evaluate(ROLE, "s3:PutObject", OBJ).outcome == "implicit_deny"


def test_explicit_deny_wins_over_allow():
    s = store([stmt("Allow", "s3:*"), stmt("Deny", "s3:GetObject", f"{BUCKET}/*", Sid="NoData")])
    d = s.evaluate(ROLE, "s3:GetObject", OBJ)
    assert d.outcome == "denied"
    assert d.statements[0][2] == "NoData"
    assert s.evaluate(ROLE, "s3:PutObject", OBJ).outcome == "allowed"


def test_action_names_match_case_insensitively():
    s = store([stmt("Allow", "S3:getobJECT", f"{BUCKET}/*")])
    assert s.evaluate(ROLE, "s3:GetObject", OBJ).outcome == "allowed"


def test_not_action_allows_everything_else():
    s = store([{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}])
    assert s.evaluate(ROLE, "s3:GetObject", OBJ).outcome == "allowed"
    assert s.evaluate(ROLE, "iam:CreateUser", f"arn:aws:iam::{ACCT}:user/x").outcome == "implicit_deny"


def test_not_resource_excludes_listed_resources():
    s = store([{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::phi/*"}])
    assert s.evaluate(ROLE, "s3:GetObject", OBJ).outcome == "allowed"
    assert s.evaluate(ROLE, "s3:GetObject", "arn:aws:s3:::phi/x").outcome == "implicit_deny"


def _org(scps, management="999999999999"):
    return {"organization": {"Id": "o-1", "MasterAccountId": management}, "roots": [{"Id": "r-1"}],
            "ous": [{"Id": "ou-parent", "ParentId": "r-1"}, {"Id": "ou-child", "ParentId": "ou-parent"}],
            "accounts": [{"Id": ACCT, "ParentId": "ou-child"}, {"Id": management, "ParentId": "r-1"}],
            "policies": [{"Id": f"p{i}", "Name": f"scp{i}", "Type": "SERVICE_CONTROL_POLICY", "Content": c,
                          "Targets": t} for i, (c, t) in enumerate(scps)]}


FULL = (doc(stmt("Allow", "*")), ["r-1", "ou-parent", "ou-child", ACCT])


def test_scp_at_parent_ou_denies():
    deny_s3 = (doc(stmt("Deny", "s3:*", Sid="NoS3")), ["ou-parent"])
    s = store([stmt("Allow", "s3:*")], organizations=_org([FULL, deny_s3]))
    d = s.evaluate(ROLE, "s3:GetObject", OBJ)
    assert d.outcome == "denied" and d.statements[0][1:3] == ("scp", "NoS3")
    # the same SCP without the deny: allowed
    assert store([stmt("Allow", "s3:*")], organizations=_org([FULL])).evaluate(ROLE, "s3:GetObject", OBJ).allowed


def test_scp_level_without_allow_is_implicit_deny():
    # FullAWSAccess everywhere except the child OU, which only allows ec2
    scps = [(doc(stmt("Allow", "*")), ["r-1", "ou-parent", ACCT]), (doc(stmt("Allow", "ec2:*")), ["ou-child"])]
    s = store([stmt("Allow", "*")], organizations=_org(scps))
    d = s.evaluate(ROLE, "s3:GetObject", OBJ)
    assert d.outcome == "implicit_deny" and "ou-child" in d.reason
    assert s.evaluate(ROLE, "ec2:DescribeInstances", "*").allowed


def test_management_account_and_service_linked_roles_ignore_scps():
    deny_all = (doc(stmt("Deny", "*")), ["r-1"])
    mgmt = store([stmt("Allow", "s3:*")], organizations=_org([FULL, deny_all], management=ACCT))
    assert mgmt.evaluate(ROLE, "s3:GetObject", OBJ).allowed
    slr = store([stmt("Allow", "s3:*")], organizations=_org([FULL, deny_all]), path="/aws-service-role/x.amazonaws.com/")
    arn = f"arn:aws:iam::{ACCT}:role/aws-service-role/x.amazonaws.com/app"
    assert slr.evaluate(arn, "s3:GetObject", OBJ).allowed
    normal = store([stmt("Allow", "s3:*")], organizations=_org([FULL, deny_all]))
    assert normal.evaluate(ROLE, "s3:GetObject", OBJ).outcome == "denied"


def test_permissions_boundary_caps_identity_policy():
    capped = store([stmt("Allow", "s3:*")], boundary=[stmt("Allow", "logs:*")])
    d = capped.evaluate(ROLE, "s3:GetObject", OBJ)
    assert d.outcome == "implicit_deny" and "boundary" in d.reason
    assert store([stmt("Allow", "s3:*")], boundary=[stmt("Allow", "s3:Get*")]).evaluate(ROLE, "s3:GetObject", OBJ).allowed


def test_boundary_deny_is_an_explicit_deny():
    s = store([stmt("Allow", "s3:*")], boundary=[stmt("Allow", "*"), stmt("Deny", "s3:GetObject")])
    assert s.evaluate(ROLE, "s3:GetObject", OBJ).outcome == "denied"


def test_session_policy_caps_the_role():
    s = store([stmt("Allow", "s3:*")], session=[stmt("Allow", "s3:ListBucket")])
    assert s.evaluate(ROLE, "s3:GetObject", OBJ).outcome == "implicit_deny"
    assert s.evaluate(ROLE, "s3:ListBucket", BUCKET).allowed


def _bucket_policy(principal, sid="Grant", action="s3:GetObject", account=OTHER):
    return {"arn": BUCKET, "account": account, "policy": doc(
        {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": action, "Resource": f"{BUCKET}/*"})}


def test_cross_account_needs_identity_and_resource_allow():
    both = store([stmt("Allow", "s3:GetObject", f"{BUCKET}/*")], resource_policies=[_bucket_policy({"AWS": ROLE})])
    d = both.evaluate(ROLE, "s3:GetObject", OBJ)
    assert d.allowed and {s[1] for s in d.statements} == {"identity", "resource"}
    only_identity = store([stmt("Allow", "s3:GetObject", f"{BUCKET}/*")],
                          resource_policies=[{"arn": BUCKET, "account": OTHER, "policy": None}])
    assert only_identity.evaluate(ROLE, "s3:GetObject", OBJ).outcome == "implicit_deny"
    only_resource = store([stmt("Allow", "ec2:*")], resource_policies=[_bucket_policy({"AWS": ROLE})])
    assert only_resource.evaluate(ROLE, "s3:GetObject", OBJ).outcome == "implicit_deny"
    # granting the principal's whole account also satisfies the resource side
    account_grant = store([stmt("Allow", "s3:GetObject", f"{BUCKET}/*")],
                          resource_policies=[_bucket_policy({"AWS": f"arn:aws:iam::{ACCT}:root"})])
    assert account_grant.evaluate(ROLE, "s3:GetObject", OBJ).allowed


def test_same_account_resource_policy_alone_suffices():
    s = store([stmt("Allow", "ec2:*")], resource_policies=[_bucket_policy({"AWS": ROLE}, account=ACCT)])
    d = s.evaluate(ROLE, "s3:GetObject", OBJ)
    assert d.allowed and d.statements == ((f"{BUCKET} resource policy", "resource", "Grant", "Allow"),)


def test_resource_policy_deny_wins():
    rp = {"arn": BUCKET, "account": ACCT, "policy": doc(
        {"Sid": "DenyAll", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"{BUCKET}/*"})}
    s = store([stmt("Allow", "s3:*")], resource_policies=[rp])
    assert s.evaluate(ROLE, "s3:GetObject", OBJ).outcome == "denied"


def _key_policy(*statements):
    return {"arn": KEY, "account": ACCT, "policy": doc(*statements)}


ROOT_STMT = {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
             "Action": "kms:*", "Resource": "*"}


def test_kms_key_policy_must_delegate_for_iam_policies_to_count():
    without_root = store([stmt("Allow", "kms:Decrypt")], resource_policies=[_key_policy(
        {"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:role/admin"},
         "Action": "kms:*", "Resource": "*"})])
    assert without_root.evaluate(ROLE, "kms:Decrypt", KEY).outcome == "implicit_deny"
    with_root = store([stmt("Allow", "kms:Decrypt")], resource_policies=[_key_policy(ROOT_STMT)])
    assert with_root.evaluate(ROLE, "kms:Decrypt", KEY).allowed
    # the key policy naming the role directly is enough on its own
    direct = store([], resource_policies=[_key_policy(
        {"Sid": "App", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"})])
    assert direct.evaluate(ROLE, "kms:Decrypt", KEY).allowed


def test_decidable_condition_on_principal_tag():
    cond = {"StringEquals": {"aws:PrincipalTag/Team": "data"}}
    tagged = store([stmt("Allow", "s3:GetObject", "*", Condition=cond)], tags={"Team": "data"})
    assert tagged.evaluate(ROLE, "s3:GetObject", OBJ).allowed
    other = store([stmt("Allow", "s3:GetObject", "*", Condition=cond)], tags={"Team": "web"})
    assert other.evaluate(ROLE, "s3:GetObject", OBJ).outcome == "implicit_deny"
    untagged = store([stmt("Allow", "s3:GetObject", "*", Condition=cond)])
    assert untagged.evaluate(ROLE, "s3:GetObject", OBJ).outcome == "implicit_deny"


def test_undecidable_condition_is_conditional_with_its_text():
    s = store([stmt("Allow", "s3:GetObject", "*", Sid="Office",
                    Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})])
    d = s.evaluate(ROLE, "s3:GetObject", OBJ)
    assert d.outcome == "conditional"
    assert "aws:SourceIp" in d.conditions[0] and "10.0.0.0/8" in d.conditions[0]
    # given the context, it is decided either way
    assert s.evaluate(ROLE, "s3:GetObject", OBJ, {"aws:SourceIp": "10.1.2.3"}).allowed
    assert s.evaluate(ROLE, "s3:GetObject", OBJ, {"aws:SourceIp": "192.168.1.1"}).outcome == "implicit_deny"


def test_conditional_deny_makes_allow_conditional():
    s = store([stmt("Allow", "s3:*"),
               stmt("Deny", "s3:*", "*", Condition={"StringNotEquals": {"aws:SourceVpce": "vpce-1"}})])
    d = s.evaluate(ROLE, "s3:GetObject", OBJ)
    assert d.outcome == "conditional" and d.conditions[0].startswith("not (")
    assert s.evaluate(ROLE, "s3:GetObject", OBJ, {"aws:SourceVpce": "vpce-1"}).allowed
    assert s.evaluate(ROLE, "s3:GetObject", OBJ, {"aws:SourceVpce": "vpce-2"}).outcome == "denied"


def test_if_exists_on_absent_resource_tag():
    cond = {"StringEqualsIfExists": {"aws:ResourceTag/Env": "dev"}}
    res = [{"arn": BUCKET, "account": ACCT, "tags": "{}"}]
    s = store([stmt("Allow", "s3:ListBucket", "*", Condition=cond)], resources=res)
    assert s.evaluate(ROLE, "s3:ListBucket", BUCKET).allowed
    without_if = store([stmt("Allow", "s3:ListBucket", "*",
                             Condition={"StringEquals": {"aws:ResourceTag/Env": "dev"}})], resources=res)
    assert without_if.evaluate(ROLE, "s3:ListBucket", BUCKET).outcome == "implicit_deny"
    prod = store([stmt("Allow", "s3:ListBucket", "*", Condition=cond)],
                 resources=[{"arn": BUCKET, "account": ACCT, "tags": '{"Env": "prod"}'}])
    assert prod.evaluate(ROLE, "s3:ListBucket", BUCKET).outcome == "implicit_deny"


def test_for_all_values_on_empty_set_is_true_and_for_any_value_false():
    all_c = {"ForAllValues:StringEquals": {"aws:TagKeys": ["Team"]}}
    any_c = {"ForAnyValue:StringEquals": {"aws:TagKeys": ["Team"]}}
    s_all = store([stmt("Allow", "s3:GetObject", "*", Condition=all_c)])
    s_any = store([stmt("Allow", "s3:GetObject", "*", Condition=any_c)])
    empty = {"aws:TagKeys": None}
    assert s_all.evaluate(ROLE, "s3:GetObject", OBJ, empty).allowed
    assert s_any.evaluate(ROLE, "s3:GetObject", OBJ, empty).outcome == "implicit_deny"
    assert s_all.evaluate(ROLE, "s3:GetObject", OBJ, {"aws:TagKeys": ["Team", "Cost"]}).outcome == "implicit_deny"
    assert s_any.evaluate(ROLE, "s3:GetObject", OBJ, {"aws:TagKeys": ["Team", "Cost"]}).allowed


def test_null_operator():
    deny_untagged = stmt("Deny", "s3:*", "*", Condition={"Null": {"aws:ResourceTag/Owner": "true"}})
    s = store([stmt("Allow", "s3:*"), deny_untagged],
              resources=[{"arn": BUCKET, "account": ACCT, "tags": "{}"},
                         {"arn": "arn:aws:s3:::owned", "account": ACCT, "tags": '{"Owner": "x"}'}])
    assert s.evaluate(ROLE, "s3:ListBucket", BUCKET).outcome == "denied"
    assert s.evaluate(ROLE, "s3:ListBucket", "arn:aws:s3:::owned").allowed


def test_policy_variable_resolves_to_the_user():
    s = store([stmt("Allow", "iam:CreateAccessKey", f"arn:aws:iam::{ACCT}:user/${{aws:username}}")], kind="user")
    assert s.evaluate(USER, "iam:CreateAccessKey", USER).allowed
    assert s.evaluate(USER, "iam:CreateAccessKey", f"arn:aws:iam::{ACCT}:user/bob").outcome == "implicit_deny"


def test_principal_org_condition_in_resource_policy():
    rp = {"arn": BUCKET, "account": OTHER, "policy": doc(
        {"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{BUCKET}/*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}})}
    in_org = store([stmt("Allow", "s3:GetObject")], resource_policies=[rp], organizations=_org([FULL]))
    assert in_org.evaluate(ROLE, "s3:GetObject", OBJ).allowed
    org2 = _org([FULL])
    org2["organization"]["Id"] = "o-2"
    assert store([stmt("Allow", "s3:GetObject")], resource_policies=[rp],
                 organizations=org2).evaluate(ROLE, "s3:GetObject", OBJ).outcome == "implicit_deny"


def test_malformed_policy_names_policy_and_statement_and_marks_principal():
    s = store([{"Sid": "Broken", "Action": "s3:*", "Resource": "*"}])
    with pytest.raises(PolicyError, match=r"inline, statement Broken: Effect"):
        s.evaluate(ROLE, "s3:GetObject", OBJ)
    assert "statement Broken" in s.principal(ROLE).error
    df = s.reachability([ROLE], [BUCKET])
    assert df.empty and ROLE in df.attrs["not_assessed"]


def test_unknown_principal_is_a_clear_error():
    with pytest.raises(KeyError, match="not in the snapshot"):
        store([]).evaluate(f"arn:aws:iam::{ACCT}:role/nope", "s3:GetObject", OBJ)


def test_instance_profile_roles(snapshot):
    s = PolicyStore.from_snapshot(snapshot)
    profile = "arn:aws:iam::300000000003:instance-profile/synth-generator"
    assert s.instance_profile_roles(profile) == ("arn:aws:iam::300000000003:role/synth-generator",)
