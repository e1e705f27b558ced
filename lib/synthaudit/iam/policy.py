"""Policy documents as records: every shape AWS accepts, parsed once into frozen statements.

Accepted: Statement as an object or a list, Action/NotAction, Resource/NotResource,
Principal/NotPrincipal as "*", {"AWS": ...}, {"Service": ...}, {"Federated": ...},
{"CanonicalUser": ...} (strings or lists; account ids and account-root ARNs), missing
Version and Sid, action names in any case, documents as JSON text or URL-encoded text
(as the IAM API returns them). Anything else raises PolicyError naming the policy and
the statement, so the caller can mark that principal NOT_ASSESSED and carry on.
"""
from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any
from synthaudit.errors import PolicyError

# policy kinds: where a statement came from, which decides how it is combined
IDENTITY, BOUNDARY, SCP, RESOURCE, TRUST, SESSION = "identity", "boundary", "scp", "resource", "trust", "session"
POLICY_KINDS = (IDENTITY, BOUNDARY, SCP, RESOURCE, TRUST, SESSION)
CONDITION_FREE_KINDS = ()


@dataclass(frozen=True)
class Condition:
    operator: str            # full operator as written, e.g. "ForAnyValue:StringLikeIfExists"
    key: str
    values: tuple[str, ...]

    def text(self) -> str:
        vals = self.values[0] if len(self.values) == 1 else list(self.values)
        return f"{self.operator} {self.key} {json.dumps(vals)}"


@dataclass(frozen=True)
class Statement:
    policy: str              # policy ARN, or "<principal>/<inline name>" for inline policies
    kind: str                # one of POLICY_KINDS
    index: int               # position in the document (for statements without Sid)
    sid: str
    effect: str              # "Allow" | "Deny"
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    principals: tuple[tuple[str, str], ...] = ()   # (type, value): ("AWS", "arn:..."), ("Service", "..."), ("*", "*")
    not_principal: bool = False
    has_principal: bool = False
    conditions: tuple[Condition, ...] = ()

    @property
    def label(self) -> str:
        return self.sid or f"#{self.index}"

    def ref(self) -> tuple[str, str, str, str]:
        """(policy, kind, sid, effect): how a deciding statement is reported."""
        return (self.policy, self.kind, self.label, self.effect)


@dataclass(frozen=True)
class Policy:
    name: str
    kind: str
    statements: tuple[Statement, ...]
    version: str | None = None
    document: Any = field(default=None, compare=False, repr=False)


def load_document(document: Any, name: str) -> Any:
    """A document as stored by IAM: dict, JSON text, or URL-encoded JSON text."""
    if isinstance(document, (dict, list)):
        return document
    if isinstance(document, (bytes, bytearray)):
        document = document.decode("utf-8", "replace")
    if isinstance(document, str):
        text = document.strip()
        if text.startswith("%7B") or text.startswith("%7b"):
            text = urllib.parse.unquote(text)
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise PolicyError(f"policy {name}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    raise PolicyError(f"policy {name}: expected a JSON object, got {type(document).__name__}")


def _string_list(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    if isinstance(value, list) and not value:
        raise PolicyError(f"{where}: {key} is an empty list (AWS rejects it; remove the statement or list values)")
    raise PolicyError(f"{where}: {key} must be a string or a list of strings, got {json.dumps(value)[:80]}")


def _principals(value: Any, where: str, key: str) -> tuple[tuple[str, str], ...]:
    if value == "*":
        return (("*", "*"),)
    if not isinstance(value, dict) or not value:
        raise PolicyError(f"{where}: {key} must be \"*\" or an object like {{\"AWS\": ...}}, got {json.dumps(value)[:80]}")
    out: list[tuple[str, str]] = []
    for ptype in sorted(value):
        if ptype not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise PolicyError(f"{where}: {key} has unknown principal type {ptype!r} (AWS, Service, Federated, CanonicalUser)")
        for v in _string_list(value[ptype], where, f"{key}.{ptype}"):
            out.append((ptype, v))
    return tuple(out)


def _conditions(value: Any, where: str) -> tuple[Condition, ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise PolicyError(f"{where}: Condition must be an object of operator -> {{key: values}}")
    out: list[Condition] = []
    for operator in sorted(value):
        block = value[operator]
        if not isinstance(block, dict):
            raise PolicyError(f"{where}: Condition {operator} must map condition keys to values")
        for key in sorted(block):
            raw = block[key]
            items = raw if isinstance(raw, list) else [raw]
            vals = []
            for item in items:
                if isinstance(item, bool):
                    vals.append("true" if item else "false")
                elif isinstance(item, (str, int, float)):
                    vals.append(str(item))
                else:
                    raise PolicyError(f"{where}: Condition {operator} {key} has a value that is not a string, number or bool")
            out.append(Condition(operator=operator, key=key, values=tuple(vals)))
    return tuple(out)


def parse_statement(raw: Any, *, policy: str, kind: str, index: int) -> Statement:
    sid = raw.get("Sid", "") if isinstance(raw, dict) else ""
    where = f"policy {policy}, statement {sid or '#' + str(index)}"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: a statement must be an object, got {type(raw).__name__}")
    if not isinstance(sid, str):
        raise PolicyError(f"{where}: Sid must be a string")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where}: Effect must be \"Allow\" or \"Deny\", got {json.dumps(effect)}")
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError(f"{where}: needs exactly one of Action or NotAction")
    not_action = "NotAction" in raw
    actions = _string_list(raw["NotAction" if not_action else "Action"], where, "NotAction" if not_action else "Action")
    for a in actions:
        if a != "*" and ":" not in a:
            raise PolicyError(f"{where}: action {a!r} is not of the form service:Action")
    if "Resource" in raw and "NotResource" in raw:
        raise PolicyError(f"{where}: has both Resource and NotResource")
    not_resource = "NotResource" in raw
    if "Resource" in raw or not_resource:
        resources = _string_list(raw["NotResource" if not_resource else "Resource"], where,
                                 "NotResource" if not_resource else "Resource")
    elif kind in (RESOURCE, TRUST):
        resources = ("*",)   # resource-based and trust policies may omit Resource: the resource itself
    else:
        raise PolicyError(f"{where}: needs Resource or NotResource")
    if "Principal" in raw and "NotPrincipal" in raw:
        raise PolicyError(f"{where}: has both Principal and NotPrincipal")
    has_principal = "Principal" in raw or "NotPrincipal" in raw
    if kind in (RESOURCE, TRUST) and not has_principal:
        raise PolicyError(f"{where}: a resource-based policy statement needs Principal or NotPrincipal")
    if kind not in (RESOURCE, TRUST) and has_principal:
        raise PolicyError(f"{where}: a {kind} policy must not name a Principal")
    not_principal = "NotPrincipal" in raw
    principals = _principals(raw["NotPrincipal" if not_principal else "Principal"], where,
                             "NotPrincipal" if not_principal else "Principal") if has_principal else ()
    return Statement(
        policy=policy, kind=kind, index=index, sid=sid, effect=effect, actions=actions, not_action=not_action,
        resources=resources, not_resource=not_resource, principals=principals, not_principal=not_principal,
        has_principal=has_principal, conditions=_conditions(raw.get("Condition"), where),
    )


def parse_policy(document: Any, name: str, kind: str) -> Policy:
    """Parse one policy document; raises PolicyError naming ``name`` and the statement."""
    if kind not in POLICY_KINDS:
        raise ValueError(f"unknown policy kind {kind!r}")
    doc = load_document(document, name)
    if not isinstance(doc, dict):
        raise PolicyError(f"policy {name}: the document must be a JSON object with a Statement")
    if "Statement" not in doc:
        raise PolicyError(f"policy {name}: has no Statement")
    raw_statements = doc["Statement"]
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        raise PolicyError(f"policy {name}: Statement must be an object or a list of objects")
    version = doc.get("Version")
    statements = tuple(parse_statement(s, policy=name, kind=kind, index=i) for i, s in enumerate(raw_statements))
    return Policy(name=name, kind=kind, statements=statements, version=version, document=doc)
