"""PolicyStore: every principal, policy, SCP and resource policy of an estate, parsed once.

Built from a snapshot (raw/iam/<account>.json in GetAccountAuthorizationDetails shape,
raw/organizations.json, raw/resource_policies.json, and the environment columns of
the snapshot tables) or from documents directly (tests, bench). A malformed policy
never stops the store: the principal that carries it is kept with ``error`` set, and
the phase reports it NOT_ASSESSED.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from synthaudit import arn as aws_arn
from synthaudit.arn import account_of
from synthaudit.errors import SnapshotError
from synthaudit.iam.conditions import Context
from synthaudit.iam.evaluator import Decision, Request, evaluate_request
from synthaudit.iam.gc_pause import gc_paused
from synthaudit.iam.identity_cache import ObjectTable
from synthaudit.iam.matching import role_arn_from_session
from synthaudit.iam.model import ManagedPolicy, OrgInfo, Principal, ResourceInfo
from synthaudit.iam.policy import (
    BOUNDARY, IDENTITY, RESOURCE, SCP, SESSION, TRUST, Policy, PolicyError, parse_policy,
)
from synthaudit.iam.snapshot_files import DATA_PATH_COLUMNS, read_snapshot, tags_of

# re-exported: callers have imported the model and the error from here
__all__ = ["ManagedPolicy", "OrgInfo", "PolicyStore", "Principal", "ResourceInfo", "SnapshotError"]

# Request-context keys the caller chooses freely; a reachability question assumes the
# caller picks the value that lets it in (AWS SDKs use TLS by default).
DEFAULT_REQUEST_CONTEXT = {"aws:SecureTransport": "true", "aws:ViaAWSService": "false",
                           "aws:PrincipalIsAWSService": "false"}


class PolicyStore:
    """Ask IAM questions of an estate offline: evaluate, principals, reachability."""

    def __init__(self) -> None:
        self._principals: dict[str, Principal] = {}
        self.managed: dict[str, ManagedPolicy] = {}
        self.resource_policies: dict[str, Policy] = {}
        self.resource_policy_errors: dict[str, str] = {}
        self.resources: dict[str, ResourceInfo] = {}
        self.data_rows: dict[str, dict] = {}    # stores and keys with their data-path columns (reach_paths.py)
        self.org = OrgInfo()
        self.errors: list[str] = []
        self.instance_profiles: dict[str, tuple[str, ...]] = {}
        self._parsed_managed: dict[tuple[str, str], Policy] = {}
        self.groups: dict[str, tuple[str, str]] = {}          # group ARN -> (account, name)
        self._ctx_cache: dict[tuple[str, str], Context] = {}
        self._mask_cache: ObjectTable[Any] = ObjectTable()     # statement -> its action mask

    # ------------------------------------------------------------------ building
    @classmethod
    @gc_paused()
    def from_documents(cls, authorization_details: Mapping | Sequence[Mapping] = (), *,
                       organizations: Mapping | None = None,
                       resource_policies: Sequence[Mapping] = (),
                       environments: Mapping[str, str] | None = None,
                       resources: Sequence[Mapping] = (),
                       session_policies: Mapping[str, Any] | None = None) -> "PolicyStore":
        """Build from AWS-shaped documents.

        authorization_details: one GetAccountAuthorizationDetails result (or a list, one per account).
        organizations: the raw/organizations.json shape. resource_policies: [{"arn", "account", "policy"}].
        environments: arn -> environment for principals/accounts/resources (tests).
        resources: table rows ({"arn", "account", "environment", "environment_rule", "tags"}).
        session_policies: principal arn -> session policy document.
        """
        store = cls()
        for row in resources:
            store._add_resource(row)
        for arn, env in (environments or {}).items():
            prev = store.resources.get(arn)
            store.resources[arn] = ResourceInfo(arn=arn, account=prev.account if prev else (account_of(arn) or None),
                                                environment=env, environment_rule="given",
                                                tags=prev.tags if prev else (), kind=prev.kind if prev else "")
        if organizations:
            store._load_organizations(organizations, "organizations")
        details = [authorization_details] if isinstance(authorization_details, Mapping) else list(authorization_details)
        for i, doc in enumerate(details):
            store._load_authorization_details(doc, f"authorization details #{i}")
        for i, item in enumerate(resource_policies):
            store._add_resource_policy(item, f"resource policy #{i}")
        for arn, doc in (session_policies or {}).items():
            p = store._principals.get(arn)
            if p is None:
                continue
            try:
                pol = parse_policy(doc, f"session policy of {arn}", SESSION)
                store._principals[arn] = _replace(p, session=pol)
            except PolicyError as exc:
                store._principals[arn] = _replace(p, error=str(exc))
        return store

    @classmethod
    @gc_paused()
    def from_snapshot(cls, snapshot_dir: str | Path) -> "PolicyStore":
        """Build from a run's snapshot folder (see docs/architecture.md, snapshot layout)."""
        files = read_snapshot(snapshot_dir)
        store = cls.from_documents(files.authorization_details, organizations=files.organizations,
                                   resource_policies=files.resource_policies, resources=files.rows)
        if not files.authorization_details:
            store.errors.append(f"{files.iam_dir}: no IAM authorization details in the snapshot")
        return store

    def _add_resource(self, row: Mapping) -> None:
        arn = row.get("arn")
        if not isinstance(arn, str) or not arn:
            return
        account = row.get("account") or account_of(arn) or None
        self.resources[arn] = ResourceInfo(
            arn=arn, account=str(account) if account else None,
            environment=str(row.get("environment") or "unknown"),
            environment_rule=str(row.get("environment_rule") or ""), tags=tags_of(row.get("tags")),
            kind=str(row.get("_kind") or ""),
            region=row.get("region") if row.get("region") not in (None, "", "global") else None,
        )
        if row.get("_kind") in DATA_PATH_COLUMNS:
            self.data_rows[arn] = dict(row)
        parsed = aws_arn.parse(arn)
        if parsed is not None and parsed.service == "organizations" and parsed.resource_type == "account":
            self.org.account_environments[parsed.name] = str(row.get("environment") or "unknown")

    def _load_organizations(self, doc: Mapping, where: str) -> None:
        org = doc.get("organization") or {}
        self.org.org_id = org.get("Id")
        self.org.management_account = org.get("MasterAccountId") or org.get("ManagementAccountId")
        for ou in doc.get("ous", []) or []:
            if ou.get("ParentId"):
                self.org.parents[ou["Id"]] = ou["ParentId"]
        for acct in doc.get("accounts", []) or []:
            self.org.accounts.add(acct["Id"])
            if acct.get("ParentId"):
                self.org.parents[acct["Id"]] = acct["ParentId"]
        for pol in doc.get("policies", []) or []:
            ptype = pol.get("Type", "SERVICE_CONTROL_POLICY")
            if ptype != "SERVICE_CONTROL_POLICY":
                continue
            name = pol.get("Arn") or pol.get("Name") or pol.get("Id")
            try:
                parsed = parse_policy(pol.get("Content"), name, SCP)
            except PolicyError as exc:
                self.errors.append(f"{where}: {exc}")
                # an SCP we cannot read may deny anything: mark every account it targets
                parsed = None
            for target in pol.get("Targets", []) or []:
                tid = target if isinstance(target, str) else target.get("TargetId")
                if parsed is None:
                    self.org.scps.setdefault(tid, []).append(None)  # type: ignore[arg-type]
                else:
                    self.org.scps.setdefault(tid, []).append(parsed)

    def _managed_policy(self, arn: str, version: str | None = None) -> Policy:
        mp = self.managed.get(arn)
        if mp is None:
            raise PolicyError(f"policy {arn}: attached but its document is not in the snapshot "
                              "(re-run inventory with iam:GetAccountAuthorizationDetails Filter incl. AWSManagedPolicy)")
        ver = version or mp.default_version
        key = (arn, ver)
        if key not in self._parsed_managed:
            doc = dict(mp.versions).get(ver)
            if doc is None:
                raise PolicyError(f"policy {arn}: version {ver} is not in the snapshot")
            self._parsed_managed[key] = parse_policy(doc, arn, IDENTITY)
        return self._parsed_managed[key]

    def _load_authorization_details(self, doc: Mapping, where: str) -> None:
        for pol in doc.get("Policies", []) or []:
            arn = pol.get("Arn")
            if not arn:
                continue
            versions = tuple((v.get("VersionId"), v.get("Document")) for v in pol.get("PolicyVersionList", []) or [])
            default = pol.get("DefaultVersionId") or next(
                (v.get("VersionId") for v in pol.get("PolicyVersionList", []) or [] if v.get("IsDefaultVersion")), "v1")
            self.managed[arn] = ManagedPolicy(arn=arn, name=pol.get("PolicyName", arn), default_version=default,
                                              versions=versions, aws_managed=":iam::aws:policy/" in arn)
        groups: dict[str, tuple[list[Policy], str | None]] = {}
        for g in doc.get("GroupDetailList", []) or []:
            name = g.get("GroupName")
            pols: list[Policy] = []
            err = None
            try:
                for ip in g.get("GroupPolicyList", []) or []:
                    pols.append(parse_policy(ip.get("PolicyDocument"), f"{g.get('Arn')}/{ip.get('PolicyName')}", IDENTITY))
                for ap in g.get("AttachedManagedPolicies", []) or []:
                    pols.append(self._managed_policy(ap["PolicyArn"]))
            except PolicyError as exc:
                err = f"group {name}: {exc}"
            groups[name] = (pols, err)
            if g.get("Arn"):
                self.groups[g["Arn"]] = (account_of(g["Arn"]), name)
        for r in doc.get("RoleDetailList", []) or []:
            self._add_principal(r, "role", groups, where)
            for ip in r.get("InstanceProfileList", []) or []:
                roles = tuple(x.get("Arn") for x in ip.get("Roles", []) or [] if x.get("Arn")) or (r["Arn"],)
                prev = self.instance_profiles.get(ip["Arn"], ())
                self.instance_profiles[ip["Arn"]] = tuple(sorted(set(prev) | set(roles)))
        for u in doc.get("UserDetailList", []) or []:
            self._add_principal(u, "user", groups, where)

    def _add_principal(self, raw: Mapping, kind: str, groups: Mapping, where: str) -> None:
        arn = raw.get("Arn")
        if not arn:
            self.errors.append(f"{where}: a {kind} without Arn was skipped")
            return
        name = raw.get("RoleName" if kind == "role" else "UserName", arn.rsplit("/", 1)[-1])
        identity: list[Policy] = []
        boundary = trust = None
        error = None
        attached = tuple(sorted(ap.get("PolicyArn") for ap in raw.get("AttachedManagedPolicies", []) or []))
        group_names = tuple(raw.get("GroupList", []) or ())
        try:
            for ip in raw.get("RolePolicyList" if kind == "role" else "UserPolicyList", []) or []:
                identity.append(parse_policy(ip.get("PolicyDocument"), f"{arn}/{ip.get('PolicyName')}", IDENTITY))
            for pa in attached:
                identity.append(self._managed_policy(pa))
            for gname in group_names:
                gpols, gerr = groups.get(gname, ([], f"group {gname} is not in the snapshot"))
                if gerr:
                    raise PolicyError(gerr)
                identity.extend(gpols)
            pb = raw.get("PermissionsBoundary") or {}
            if pb.get("PermissionsBoundaryArn"):
                mp = self._managed_policy(pb["PermissionsBoundaryArn"])
                boundary = Policy(name=mp.name, kind=BOUNDARY, version=mp.version,
                                  statements=tuple(_replace(s, kind=BOUNDARY) for s in mp.statements))
            if kind == "role" and raw.get("AssumeRolePolicyDocument") is not None:
                trust = parse_policy(raw["AssumeRolePolicyDocument"], f"{arn} trust policy", TRUST)
        except PolicyError as exc:
            error = str(exc)
        info = self.resources.get(arn)
        self._principals[arn] = Principal(
            arn=arn, account=account_of(arn), kind=kind, name=name, path=raw.get("Path", "/") or "/",
            tags=tags_of(raw.get("Tags")), identity=tuple(identity), boundary=boundary, trust=trust,
            groups=group_names, attached=attached,
            instance_profiles=tuple(sorted(ip.get("Arn") for ip in raw.get("InstanceProfileList", []) or [])),
            environment=info.environment if info else self.org.account_environments.get(account_of(arn), "unknown"),
            environment_rule=info.environment_rule if info else ("account" if account_of(arn) in self.org.account_environments else ""),
            error=error,
        )

    def _add_resource_policy(self, item: Mapping, where: str) -> None:
        arn = item.get("arn")
        if not arn:
            self.errors.append(f"{where}: no arn, skipped")
            return
        if item.get("account") and arn not in self.resources:
            self.resources[arn] = ResourceInfo(arn=arn, account=str(item["account"]))
        elif item.get("account") and self.resources[arn].account is None:
            self.resources[arn] = _replace(self.resources[arn], account=str(item["account"]))
        if item.get("policy") is None:
            return
        try:
            self.resource_policies[arn] = parse_policy(item["policy"], f"{arn} resource policy", RESOURCE)
        except PolicyError as exc:
            self.resource_policy_errors[arn] = str(exc)
            self.errors.append(str(exc))

    # ------------------------------------------------------------------ questions
    def principal(self, arn: str) -> Principal:
        p = self._principals.get(arn) or self._principals.get(role_arn_from_session(arn))
        if p is None:
            # a role ARN given without its path
            name = arn.rsplit("/", 1)[-1]
            for cand in self._principals.values():
                if cand.account == account_of(arn) and cand.name == name and cand.kind in arn:
                    return cand
            raise KeyError(f"principal {arn} is not in the snapshot (roles and users of raw/iam/*.json)")
        return p

    def principals(self, environment: str | None = None) -> list[str]:
        """Principal ARNs (roles, users), sorted; only those of ``environment`` when given."""
        return sorted(a for a, p in self._principals.items() if environment is None or p.environment == environment)

    def principal_records(self) -> list[Principal]:
        return [self._principals[a] for a in sorted(self._principals)]

    def instance_profile_roles(self, profile_arn: str) -> tuple[str, ...]:
        """Role ARNs of an EC2 instance profile (evaluate these for what the instance can do)."""
        return self.instance_profiles.get(profile_arn, ())

    def environment_of(self, arn: str) -> str:
        if arn in self._principals:
            return self._principals[arn].environment
        info = self.resources.get(arn) or self.resources.get(_base_resource(arn))
        if info and info.environment != "unknown":
            return info.environment
        acct = self.resource_account(arn)
        return self.org.account_environments.get(acct or "", "unknown")

    def resource_account(self, resource_arn: str) -> str | None:
        info = self.resources.get(resource_arn) or self.resources.get(_base_resource(resource_arn))
        if info and info.account:
            return info.account
        return account_of(resource_arn) or None

    def resource_policy_for(self, resource_arn: str) -> Policy | None:
        return self.resource_policies.get(resource_arn) or self.resource_policies.get(_base_resource(resource_arn))

    def scp_levels(self, account: str) -> tuple[tuple[str, tuple[Policy, ...]], ...]:
        if not self.org.scps:
            return ()
        return tuple((t, tuple(self.org.scps.get(t, ()))) for t in self.org.chain(account))

    def scp_exempt(self, principal: Principal) -> bool:
        if not self.org.scps or principal.service_linked:
            return True
        if self.org.management_account and principal.account == self.org.management_account:
            return True
        return principal.account not in self.org.accounts and bool(self.org.accounts)

    def principal_context(self, p: Principal) -> Context:
        values: dict[str, Any] = {
            "aws:PrincipalArn": p.arn, "aws:PrincipalAccount": p.account,
            "aws:PrincipalType": "AssumedRole" if p.kind == "role" else "User",
        }
        complete = ["aws:PrincipalTag/"]
        if p.kind == "user":
            values["aws:username"] = p.name
        if self.org.org_id:
            values["aws:PrincipalOrgID"] = self.org.org_id if p.account in self.org.accounts else None
        for k, v in p.tags:
            values[f"aws:PrincipalTag/{k}"] = v
        return Context.build(values, complete)

    def resource_context(self, resource_arn: str) -> Context:
        values: dict[str, Any] = {}
        complete: list[str] = []
        acct = self.resource_account(resource_arn)
        if acct:
            values["aws:ResourceAccount"] = acct
            if self.org.org_id:
                values["aws:ResourceOrgID"] = self.org.org_id if acct in self.org.accounts else None
        info = self.resources.get(resource_arn) or self.resources.get(_base_resource(resource_arn))
        # a regional resource is reached through its own region: that is the request's region
        own_region = aws_arn.region_of(resource_arn)
        region = (own_region if own_region and "*" not in own_region else None) or (info.region if info else None)
        if region:
            values["aws:RequestedRegion"] = region
        if info is not None:
            complete.append("aws:ResourceTag/")
            for k, v in info.tags:
                values[f"aws:ResourceTag/{k}"] = v
        return Context.build(values, complete)

    def request_context(self, p: Principal, resource_arn: str, extra: Mapping[str, Any] | None = None) -> Context:
        key = (p.arn, resource_arn)
        ctx = self._ctx_cache.get(key)
        if ctx is None:
            pkey = (p.arn, "\x00principal")
            base = self._ctx_cache.get(pkey)
            if base is None:
                base = Context.build(DEFAULT_REQUEST_CONTEXT).merged(self.principal_context(p))
                self._ctx_cache[pkey] = base
            ctx = base.merged(self.resource_context(resource_arn)) if resource_arn else base
            if len(self._ctx_cache) < 200_000:
                self._ctx_cache[key] = ctx
        return ctx.merged(Context.build(extra)) if extra else ctx

    def statement_mask(self, stmt):
        """Boolean vector over the action database: the actions ``stmt`` names (NotAction applied)."""
        hit = self._mask_cache.get(stmt)
        if hit is not None:
            return hit
        from synthaudit.iam.actions import database

        m = database().union_mask(stmt.actions, negate=stmt.not_action)
        m.setflags(write=False)
        return self._mask_cache.put(stmt, m)

    def request(self, p: Principal, action: str, resource_arn: str, *, prefix: bool = False) -> Request:
        rp = self.resource_policy_for(resource_arn)
        return Request(
            principal=p.arn, principal_account=p.account, principal_kind=p.kind, action=action,
            resource=resource_arn, resource_account=self.resource_account(resource_arn),
            identity=p.identity, boundary=p.boundary, session=p.session,
            scp_levels=self.scp_levels(p.account), scp_exempt=self.scp_exempt(p),
            resource_policy=rp, resource_service=aws_arn.service_of(resource_arn),
            prefix=prefix,
        )

    def evaluate(self, principal_arn: str, action: str, resource_arn: str,
                 context: Mapping[str, Any] | None = None) -> Decision:
        """Can ``principal_arn`` perform ``action`` on ``resource_arn``?

        ``context``: extra request-context keys (e.g. {"aws:SourceVpce": "vpce-1"}); a key
        mapped to None is known to be absent. Unknown keys leave conditions "conditional".
        Raises KeyError for an unknown principal and PolicyError when the principal's
        policies could not be parsed (the phase turns that into NOT_ASSESSED).
        """
        p = self.principal(principal_arn)
        if p.error:
            raise PolicyError(p.error)
        if any(pol is None for _, pols in self.scp_levels(p.account) for pol in pols) and not self.scp_exempt(p):
            raise PolicyError(f"an SCP over account {p.account} could not be parsed: {'; '.join(self.errors)}")
        if resource_arn in self.resource_policy_errors:
            raise PolicyError(self.resource_policy_errors[resource_arn])
        from synthaudit.iam.actions import database

        canonical = database().canonical(action)
        req = self.request(p, canonical, resource_arn)
        return evaluate_request(req, self.request_context(p, resource_arn, context))

    def reachability(self, principals: Iterable[str], resources: Iterable[str],
                     actions: Sequence[str] | None = None, *, include_denied: bool = False,
                     context: Mapping[str, Any] | None = None):
        """Bulk (principal × resource × action) table; see synthaudit.iam.reachability."""
        from synthaudit.iam.reachability import reachability

        return reachability(self, list(principals), list(resources), actions, include_denied=include_denied,
                            context=context)


def _base_resource(arn: str) -> str:
    """The ARN that carries the resource policy: an S3 object/prefix -> its bucket."""
    parsed = aws_arn.parse(arn)
    if parsed is not None and parsed.service == "s3" and "/" in parsed.resource:
        return aws_arn.s3_bucket(parsed.bucket, partition=parsed.partition)
    return arn


def _replace(obj, **changes):
    import dataclasses

    return dataclasses.replace(obj, **changes)


