"""Production / synthetic / shared / external / unknown for every account, principal and resource.

The checks reason over environments, not account boundaries alone, so the rule
that decided each verdict travels with it (``environment_rule``).

Precedence, first match wins, and why:

Resources and principals
  0. a resource or principal of an external account (below) is external, whatever its tags
     or name say: a partner's role named ``prod-reader`` is the partner's, not production.
  1. the kit's own audit role -> shared (``audit-role``): it exists in every
     account and reads everything by design; classifying it by name (``Synthaudit…``
     matches ``*synth*``) or by account would invent synthetic->production reach.
  2. an environment tag (``tag:<Key>=<value>``, or ``tag:<K1>=<v1>+<K2>=<v2>`` for a
     ``tags_all`` combination, which is tried first): the owner's explicit statement
     about this one thing; it must beat the account so that a synthetic role or
     bucket living *inside* the production account comes out synthetic (that is
     how same-account leaks are found).
  3. a name pattern (``name:<pattern>``): a naming convention is weaker than a
     tag (names are chosen once and rarely audited) but more specific than the
     account. One exception: a name alone cannot turn a resource of a production
     or synthetic account into ``shared`` (``alias/data-platform-shared`` in the
     production account stays production): "shared" lowers scrutiny, so it takes
     an explicit tag, while a name that reveals production or synthetic data in
     the wrong account is exactly what the audit looks for.
  4. the account's environment (``account:<account rule>``).
  5. ``unknown`` (``none``): shown to the analyst to classify in params.

Accounts
  1. ``params.accounts[].environment`` (``params-account``): explicit, per account.
  2. ``classification.<env>.accounts`` (``account-list``).
  2b. ``external``: an account in ``classification.external.third_parties``
     (``third-party:<name>``), or one that is not a member of the organisation
     (``outside-organisation``). Members are the accounts Organizations lists, plus every
     account params name (audited or in a rule); without Organizations data, only the
     latter, so an unlisted account then counts as outside. External accounts are never
     audited; they appear as grantees and principals, and exposure to them is a finding
     (EXTERNAL_ACCESS_TO_RESOURCE).
  3. an OU, or any ancestor OU, listed by id or name (``ou:<name>``; the nearest
     OU that matches wins, so a Synthetic OU under a Production OU is synthetic).
  4. account tags from Organizations (``tag:...``), then the account name
     (``name:...``).
  5. ``unknown``.

Two environments matching at the same level: production > synthetic > shared and
the rule says ``conflict``. Treating a thing that claims both worlds as production
applies the stricter controls to something that may hold PHI.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from synthaudit import arn as aws_arn
from synthaudit.config import EnvironmentRule, Params

ENVIRONMENTS = ("production", "synthetic", "shared")  # also the conflict order
EXTERNAL = "external"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Verdict:
    environment: str
    rule: str


@dataclass(frozen=True)
class OrgPlacement:
    """Where an account sits: OUs from the nearest up to the root (id, name)."""

    account_id: str
    ancestors: tuple[tuple[str, str], ...] = ()
    name: str = ""
    tags: tuple[tuple[str, str], ...] = ()


def placements_from_organizations(org: Mapping[str, Any] | None) -> dict[str, OrgPlacement]:
    """Account -> OU ancestry, from raw/organizations.json (the contract's shape)."""
    if not org:
        return {}
    ous = {ou["Id"]: ou for ou in org.get("ous", [])}
    out: dict[str, OrgPlacement] = {}
    for acct in org.get("accounts", []):
        chain: list[tuple[str, str]] = []
        parent = acct.get("ParentId")
        seen: set[str] = set()
        while parent in ous and parent not in seen:
            seen.add(parent)
            chain.append((parent, ous[parent].get("Name", "")))
            parent = ous[parent].get("ParentId")
        tags = tuple(sorted((t["Key"], t["Value"]) for t in acct.get("Tags", []) or []))
        out[acct["Id"]] = OrgPlacement(acct["Id"], tuple(chain), acct.get("Name", ""), tags)
    return out


def _tag_hits(accepted: Mapping[str, list[str]], lowered: Mapping[str, str]) -> list[str]:
    """``Key=value`` for each key of ``accepted`` whose tag carries an accepted value (case-insensitive)."""
    hits = []
    for key in sorted(accepted):
        value = lowered.get(key.lower())
        if value is not None and value.lower() in {v.lower() for v in accepted[key]}:
            hits.append(f"{key}={value}")
    return hits


def _tag_matches(rule: EnvironmentRule, tags: Mapping[str, str]) -> str | None:
    """``tags_all`` first (every key of one combination), then any one key of ``tags``."""
    lowered = {k.lower(): str(v) for k, v in tags.items()}
    for combination in rule.tags_all:
        hits = _tag_hits(combination, lowered)
        if combination and len(hits) == len(combination):
            return "tag:" + "+".join(hits)
    hits = _tag_hits(rule.tags, lowered)
    return f"tag:{hits[0]}" if hits else None


def tag_match(rule: EnvironmentRule, tags: Mapping[str, str]) -> str | None:
    """``tag:...`` when ``tags`` meet the rule (tags_all first, then any-of tags), else None."""
    return _tag_matches(rule, tags)


def _name_matches(rule: EnvironmentRule, name: str) -> str | None:
    lowered = name.lower()
    for pattern in rule.name_patterns:
        if fnmatch.fnmatchcase(lowered, pattern.lower()):
            return f"name:{pattern}"
    return None


def _first_by_precedence(hits: dict[str, str]) -> Verdict | None:
    if not hits:
        return None
    envs = [e for e in ENVIRONMENTS if e in hits]
    if len(envs) == 1:
        return Verdict(envs[0], hits[envs[0]])
    chosen = envs[0]
    others = ", ".join(f"{e} by {hits[e]}" for e in envs[1:])
    return Verdict(chosen, f"{hits[chosen]} (conflict: also {others})")


def _role_key(text: str | None) -> tuple[str, str] | None:
    """(account, role name) of a role ARN (path dropped) or of an assumed-role session ARN."""
    arn = aws_arn.parse(text)
    if arn is None:
        return None
    if arn.service == "iam" and arn.resource_type == "role":
        return arn.account, arn.name
    if arn.service == "sts" and arn.resource_type == "assumed-role":
        return arn.account, arn.resource_id.split("/", 1)[0]
    return None


class Classifier:
    """Applies params.classification; build once per snapshot, call per row."""

    def __init__(self, params: Params, organizations: Mapping[str, Any] | None = None) -> None:
        self.params = params
        self.rules: dict[str, EnvironmentRule] = {
            env: getattr(params.classification, env) for env in ENVIRONMENTS
        }
        self.placements = placements_from_organizations(organizations)
        self.audit_role_arns = {params.role_arn(a) for a in params.account_ids()}
        self.audit_role_name = params.aws.audit_role_name
        self.not_read_only: set[tuple[str, str]] = set()  # (account, role name): named as audit role, grants more
        self.third_parties = {p.id: p.name for p in params.classification.external.third_parties}
        self.members: frozenset[str] = frozenset(
            set(self.placements) | set(params.account_ids())
            | {a for rule in self.rules.values() for a in rule.accounts}) - frozenset(self.third_parties)
        self._accounts: dict[str, Verdict] = {}

    # -- accounts ---------------------------------------------------------------
    def account(self, account_id: str | None) -> Verdict:
        if not account_id:
            return Verdict(UNKNOWN, "none")
        if account_id not in self._accounts:
            self._accounts[account_id] = self._account(account_id)
        return self._accounts[account_id]

    def _account(self, account_id: str) -> Verdict:
        for acct in self.params.accounts:
            if acct.id == account_id and acct.environment:
                return Verdict(acct.environment, "params-account")
        hits = {env: "account-list" for env, rule in self.rules.items() if account_id in rule.accounts}
        if verdict := _first_by_precedence(hits):
            return verdict
        if account_id in self.third_parties:
            return Verdict(EXTERNAL, f"third-party:{self.third_parties[account_id]}")
        if self.members and account_id not in self.members:
            return Verdict(EXTERNAL, "outside-organisation")
        placement = self.placements.get(account_id)
        if placement:
            for ou_id, ou_name in placement.ancestors:  # nearest first
                hits = {
                    env: f"ou:{ou_name or ou_id}" for env, rule in self.rules.items()
                    if ou_id in rule.ous or (ou_name and ou_name in rule.ous)
                }
                if verdict := _first_by_precedence(hits):
                    return verdict
        tags = dict(placement.tags) if placement else {}
        name = placement.name if placement and placement.name else self._params_name(account_id)
        for matcher, subject in ((_tag_matches, tags), (_name_matches, name)):
            hits = {env: hit for env, rule in self.rules.items() if subject and (hit := matcher(rule, subject))}
            if verdict := _first_by_precedence(hits):
                return verdict
        return Verdict(UNKNOWN, "none")

    def is_outside(self, account_id: str | None) -> bool:
        """Outside the organisation: a listed third party, or not a member (see the module docstring)."""
        return bool(account_id) and self.account(account_id).environment == EXTERNAL

    def ou(self, ou_id: str, name: str | None = None) -> Verdict | None:
        """An OU listed (by id or name) in classification.<env>.ous, else None."""
        hits = {env: f"ou:{name or ou_id}" for env, rule in self.rules.items()
                if ou_id in rule.ous or (name and name in rule.ous)}
        return _first_by_precedence(hits)

    def _params_name(self, account_id: str) -> str:
        return next((a.name for a in self.params.accounts if a.id == account_id), "")

    # -- principals and resources ----------------------------------------------------
    def is_named_audit_role(self, arn: str | None) -> bool:
        """The role (or a session of it) that params name as the audit role."""
        if not arn:
            return False
        return arn in self.audit_role_arns or bool(
            re.match(rf"^arn:[^:]+:(iam|sts)::\d{{12}}:(role|assumed-role)/(.*/)?{re.escape(self.audit_role_name)}(/.*)?$", arn)
        )

    def is_audit_role(self, arn: str | None) -> bool:
        """The kit's own read-only role, left out of the analysis: named as the audit role and not found
        to grant more than reading (``mark_not_read_only``; see ``iam.read_only``)."""
        return self.is_named_audit_role(arn) and _role_key(arn) not in self.not_read_only

    def mark_not_read_only(self, role_arn: str) -> None:
        """A role named as the audit role whose policies grant more than reading: analysed like any principal."""
        if (key := _role_key(role_arn)) is not None:
            self.not_read_only.add(key)

    def resource(self, account: str | None, name: str | None, tags: Mapping[str, str] | None = None,
                 arn: str | None = None) -> Verdict:
        """Verdict for one principal or resource; ``arn`` lets the audit role be recognised."""
        if self.is_audit_role(arn):
            return Verdict("shared", "audit-role")
        if account and (outside := self.account(account)).environment == EXTERNAL:
            return Verdict(EXTERNAL, f"account:{outside.rule}")
        tags = tags or {}
        if tags:
            hits = {env: hit for env, rule in self.rules.items() if (hit := _tag_matches(rule, tags))}
            if verdict := _first_by_precedence(hits):
                return verdict
        acct = self.account(account)
        if name:
            hits = {env: hit for env, rule in self.rules.items() if (hit := _name_matches(rule, name))}
            verdict = _first_by_precedence(hits)
            if verdict and not (verdict.environment == "shared" and acct.environment in ("production", "synthetic")):
                return verdict
        if acct.environment == UNKNOWN:
            return acct
        return Verdict(acct.environment, f"account:{acct.rule}")

    def arn(self, arn: str, tags: Mapping[str, str] | None = None) -> Verdict:
        """Verdict for an ARN seen in a policy (no row of its own): account and last name part."""
        if arn == "*":
            return Verdict(UNKNOWN, "none")
        if re.fullmatch(r"\d{12}", arn):
            return self.account(arn)
        parsed = aws_arn.parse(arn)
        if parsed is None:
            return Verdict(UNKNOWN, "none")
        resource = parsed.resource
        if parsed.service == "iam" and resource == "root":
            return self.account(parsed.account)
        name = re.split(r"[:/]", resource)[-1] if resource else ""
        return self.resource(parsed.account or None, name, tags, arn=arn)


def tags_to_dict(tags: Iterable[Mapping[str, Any]] | Mapping[str, Any] | None) -> dict[str, str]:
    """AWS tag shapes ([{Key, Value}], [{key, value}], {k: v}) -> {k: v}."""
    if not tags:
        return {}
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    out: dict[str, str] = {}
    for tag in tags:
        key = tag.get("Key", tag.get("key", tag.get("TagKey")))
        value = tag.get("Value", tag.get("value", tag.get("TagValue", "")))
        if key is not None:
            out[str(key)] = "" if value is None else str(value)
    return out
