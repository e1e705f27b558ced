"""The one record of what the demo plants: a failure a check must find (FAIL) or its
clean twin it must not flag (PASS).

The builders make these as they build (the knowledge lives in their code); the
answer keys under ``tests/answer_keys/`` list the same records and a test proves
they agree. The kit never imports this module.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plant:
    """One answer-key entry. ``environment`` (how the resource must be classified) is given where
    the inventory classifies the resource: the estate's entries, not the logs' or datasets'.
    ``severity``, where given, is the severity the finding must carry: a planted failure the
    check reports below its catalogue severity (a partial data path, a narrowed trust)."""

    id: str
    expect: str  # FAIL | PASS
    check: str
    resource: str
    account: str
    description: str
    environment: str | None = None
    severity: str | None = None

    def to_dict(self) -> dict[str, str]:
        """The answer-key file's field order: environment, when there is one, before the description."""
        out = {"id": self.id, "expect": self.expect, "check": self.check, "resource": self.resource,
               "account": self.account}
        if self.environment is not None:
            out["environment"] = self.environment
        if self.severity is not None:
            out["severity"] = self.severity
        out["description"] = self.description
        return out

    @classmethod
    def from_dict(cls, entry: dict[str, str]) -> Plant:
        """An entry of an answer-key file; a field the record does not know is an error, not ignored."""
        unknown = sorted(set(entry) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"answer-key entry {entry.get('id')!r} has unknown fields {unknown}")
        return cls(id=str(entry["id"]), expect=entry["expect"], check=entry["check"], resource=entry["resource"],
                   account=str(entry["account"]), description=entry["description"],
                   environment=entry.get("environment"), severity=entry.get("severity"))
