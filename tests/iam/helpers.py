"""Tiny builders: one account, one role, the policies a test needs."""
from synthaudit.iam import PolicyStore

ACCT = "111122223333"
OTHER = "444455556666"
ROLE = f"arn:aws:iam::{ACCT}:role/app"
USER = f"arn:aws:iam::{ACCT}:user/alice"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def stmt(effect, action, resource="*", **extra):
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


def store(identity=(), *, boundary=None, tags=None, resource_policies=(), organizations=None, session=None,
          account=ACCT, kind="role", path="/", managed=None, resources=()):
    """A store with one principal ("app" role or "alice" user) carrying ``identity`` statements."""
    name = "app" if kind == "role" else "alice"
    arn = f"arn:aws:iam::{account}:{kind}{path}{name}"
    principal = {"Path": path, "Arn": arn, "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
                 "AttachedManagedPolicies": []}
    inline = [{"PolicyName": "inline", "PolicyDocument": doc(*identity)}] if identity else []
    policies = list(managed or [])
    if kind == "role":
        principal.update(RoleName=name, RolePolicyList=inline, AssumeRolePolicyDocument=doc(
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    else:
        principal.update(UserName=name, UserPolicyList=inline, GroupList=[])
    if boundary is not None:
        barn = f"arn:aws:iam::{account}:policy/boundary"
        policies.append({"PolicyName": "boundary", "Arn": barn, "DefaultVersionId": "v1",
                         "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": doc(*boundary)}]})
        principal["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": barn}
    details = {"RoleDetailList": [principal] if kind == "role" else [],
               "UserDetailList": [principal] if kind == "user" else [], "GroupDetailList": [], "Policies": policies}
    return PolicyStore.from_documents(details, organizations=organizations, resource_policies=list(resource_policies),
                                      session_policies={arn: doc(*session)} if session else None,
                                      resources=list(resources))
