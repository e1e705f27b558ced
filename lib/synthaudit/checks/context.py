"""What every check family sees: the snapshot's tables (JSON columns parsed), its
coverage gaps, account environments, the IAM engine, and one way to build findings.

Checks never read AWS; they are pure functions of the snapshot (plus params), so a
run can be re-performed offline from its own evidence.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

from synthaudit import arn as aws_arn
from synthaudit import catalogue
from synthaudit.config import Params
from synthaudit.findings import Finding
from synthaudit.inventory import Snapshot
from synthaudit.inventory import SnapshotError as InventorySnapshotError
from synthaudit.inventory.schema import TABLES
from synthaudit.errors import SnapshotError

GLOBAL = "global"
ASSESSED = "assessed"


def _parse_json(value: Any, where: str) -> Any:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{where}: not valid JSON ({exc.msg}); re-run the inventory phase") from None


def _clean(value: Any) -> Any:
    """pandas NA/NaN -> None, numpy scalars -> Python, so rows compare and serialise plainly."""
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value


class SnapshotView:
    """Read-only access to ``<run>/snapshot/`` (through inventory's ``Snapshot``) as plain rows, cached per kind."""

    def __init__(self, snapshot_dir: str | Path) -> None:
        if not Path(snapshot_dir).is_dir():
            raise SnapshotError(f"{snapshot_dir}: snapshot folder not found; run `synthaudit inventory` first "
                                f"or pass the run's snapshot/ folder")
        try:
            self.reader = Snapshot(snapshot_dir)
        except InventorySnapshotError as exc:
            raise SnapshotError(str(exc)) from None
        self.dir = self.reader.path
        self._rows: dict[str, list[dict[str, Any]] | None] = {}

    def has(self, kind: str) -> bool:
        return (self.dir / "tables" / f"{kind}.parquet").is_file()

    def rows(self, kind: str) -> list[dict[str, Any]] | None:
        """Rows of one table (JSON columns parsed), or None when the table is missing."""
        if kind not in self._rows:
            self._rows[kind] = self._load(kind)
        return self._rows[kind]

    def _load(self, kind: str) -> list[dict[str, Any]] | None:
        if not self.has(kind):
            return None
        path = self.dir / "tables" / f"{kind}.parquet"
        try:
            frame = self.reader.table(kind)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise SnapshotError(f"{path}: cannot read Parquet table ({type(exc).__name__}: {exc}); "
                                f"re-run the inventory phase") from None
        json_cols = {c.name for c in TABLES[kind].columns if c.type == "json"} if kind in TABLES else {"tags"}
        out: list[dict[str, Any]] = []
        for i, record in enumerate(frame.to_dict("records")):
            row = {k: _clean(v) for k, v in record.items()}
            for col in json_cols & row.keys():
                row[col] = _parse_json(row[col], f"{path} row {i} column {col}")
            if not row.get("arn"):
                raise SnapshotError(f"{path} row {i}: no arn; the table does not follow the snapshot schema")
            out.append(row)
        return out

    @functools.cached_property
    def coverage(self) -> list[dict[str, Any]] | None:
        if not (self.dir / "coverage.parquet").is_file():
            return None
        return [{k: _clean(v) for k, v in r.items()} for r in self.reader.coverage().to_dict("records")]

    def raw(self, relative: str) -> Any:
        path = self.dir / "raw" / relative
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{path}: not valid JSON ({exc.msg}); re-run the inventory phase") from None


class CheckContext:
    """One segregation run over one snapshot: data access plus the finding builder."""

    def __init__(self, snapshot_dir: str | Path, params: Params, store: Any = None,
                 store_factory: Callable[[Path], Any] | None = None) -> None:
        self.snapshot = SnapshotView(snapshot_dir)
        self.params = params
        self.seg = params.segregation
        self._store = store
        self._store_factory = store_factory
        self._store_error: str | None = None

    # --- tables -----------------------------------------------------------------
    def rows(self, kind: str) -> list[dict[str, Any]] | None:
        return self.snapshot.rows(kind)

    def rows_or_empty(self, kind: str) -> list[dict[str, Any]]:
        return self.snapshot.rows(kind) or []

    @functools.cached_property
    def by_arn(self) -> dict[str, dict[str, Any]]:
        """Every row of every table by ARN (first table wins), for environment look-ups."""
        index: dict[str, dict[str, Any]] = {}
        for kind in TABLES:
            for row in self.rows_or_empty(kind):
                index.setdefault(row["arn"], row)
        return index

    # --- coverage -----------------------------------------------------------------
    @functools.cached_property
    def _gaps(self) -> dict[str, dict[tuple[str, str], str]]:
        gaps: dict[str, dict[tuple[str, str], str]] = {}
        for row in self.snapshot.coverage or []:
            if row.get("status") != ASSESSED:
                reason = f"{row.get('service')} {str(row.get('status')).replace('_', ' ')}"
                if row.get("error"):
                    reason += f": {row['error']}"
                gaps.setdefault(row["service"], {})[(row["account"], row["region"])] = reason
        return gaps

    def gaps(self, service: str) -> dict[tuple[str, str], str]:
        """(account, region) -> reason, for every place the service could not be read."""
        return self._gaps.get(service, {})

    def gap(self, service: str, account: str, region: str | None = None) -> str | None:
        found = self.gaps(service)
        return found.get((account, region or GLOBAL)) or found.get((account, GLOBAL))

    # --- accounts -----------------------------------------------------------------
    @functools.cached_property
    def organization(self) -> dict[str, Any]:
        return self.snapshot.raw("organizations.json") or {}

    @functools.cached_property
    def account_environments(self) -> dict[str, str]:
        """Account id -> environment, from the org_accounts table (classify.py's verdict)."""
        envs = {r["account"]: r["environment"] for r in self.rows_or_empty("org_accounts")}
        for acct in self.params.accounts:  # accounts outside the organisation table
            if acct.id not in envs:
                envs[acct.id] = acct.environment or next(
                    (env for env in ("production", "synthetic", "shared")
                     if acct.id in getattr(self.params.classification, env).accounts), "unknown")
        return envs

    @functools.cached_property
    def inventoried_accounts(self) -> set[str]:
        """Accounts phase 01 read (coverage rows), as opposed to org members it only listed."""
        covered = {r["account"] for r in self.snapshot.coverage or []}
        return covered or set(self.params.account_ids())

    def not_inventoried(self, account: str) -> str | None:
        if account in self.inventoried_accounts:
            return None
        return (f"account {account} is in the organisation but was not inventoried "
                f"(add it to params.accounts to assess it)")

    @functools.cached_property
    def classifier(self) -> Any:
        """The params' classification over the snapshot's organisation, for accounts that have no
        row (grantees, principals of other accounts): external or not, third party or not."""
        from synthaudit.classify import Classifier

        return Classifier(self.params, self.organization)

    def account_environment(self, account: str) -> str:
        """An account's environment: its org_accounts row, else the classifier's verdict (external ...)."""
        return self.account_environments.get(account) or self.classifier.account(account).environment

    @functools.cached_property
    def org_boundary(self) -> Any:
        """Who is inside the organisation (synthaudit.iam.exposure.Org)."""
        from synthaudit.iam.exposure import Org

        org = self.organization.get("organization") or {}
        members = (set(self.classifier.members) | {a for a, env in self.account_environments.items()
                                                    if env != "external"}) - set(self.classifier.third_parties)
        return Org(frozenset(members), org.get("Id") or self.params.organization_id)

    def accounts_in(self, environment: str) -> list[str]:
        return sorted(a for a, env in self.account_environments.items() if env == environment)

    def all_accounts(self) -> list[str]:
        return sorted(self.account_environments)

    def account_arn(self, account: str) -> str:
        org = self.organization.get("organization") or {}
        management = org.get("MasterAccountId") or org.get("ManagementAccountId") or self.params.management_account or account
        org_id = org.get("Id") or self.params.organization_id or "o-unknown"
        return aws_arn.organizations_account(management, org_id, account)

    def environment_of(self, arn: str | None, account: str | None = None) -> str:
        """Environment of a resource or principal ARN: its row's verdict, else its account's."""
        if arn and arn in self.by_arn:
            return self.by_arn[arn].get("environment") or "unknown"
        if account is None and arn:
            account = aws_arn.account_of(arn)
        return self.account_environments.get(account or "", "unknown")

    # --- IAM engine -----------------------------------------------------------------
    @property
    def store(self) -> Any:
        """The IAM engine over this snapshot (synthaudit.iam.PolicyStore), or None with a reason."""
        if self._store is None and self._store_error is None:
            try:
                if self._store_factory is not None:
                    self._store = self._store_factory(self.snapshot.dir)
                else:
                    from synthaudit.iam import PolicyStore  # the engine; absent until the IAM issue lands

                    self._store = PolicyStore.from_snapshot(self.snapshot.dir)
            except Exception as exc:  # the engine failing must not sink the other families
                self._store_error = f"IAM engine unavailable: {type(exc).__name__}: {exc}"[:300]
        return self._store

    @property
    def store_error(self) -> str | None:
        self.store  # noqa: B018 - force the attempt
        return self._store_error

    # --- findings -----------------------------------------------------------------
    def finding(self, check_id: str, row: dict[str, Any], status: str, *, evidence: dict[str, Any] | None = None,
                reason: str | None = None, resource: str | None = None, discriminator: str = "",
                severity: str | None = None) -> Finding:
        """A finding on a snapshot row (resource, account, region and environment from the row);
        ``severity`` only where the check lowers (or raises) the catalogue's for this finding."""
        region = row.get("region")
        return catalogue.finding(
            check_id, resource or row["arn"], status, account=row.get("account"),
            region=None if region == GLOBAL else region, environment=row.get("environment"),
            evidence=evidence, reason=reason, discriminator=discriminator, severity=severity,
        )

    def account_finding(self, check_id: str, account: str, status: str, *, region: str | None = None,
                        evidence: dict[str, Any] | None = None, reason: str | None = None,
                        discriminator: str = "") -> Finding:
        return catalogue.finding(
            check_id, self.account_arn(account), status, account=account,
            region=None if region in (None, GLOBAL) else region,
            environment=self.account_environments.get(account, "unknown"),
            evidence=evidence, reason=reason, discriminator=discriminator,
        )

    def coverage_gaps(self, check_id: str, services: Iterable[str],
                      accounts: Iterable[str] | None = None) -> list[Finding]:
        """NOT_ASSESSED per (account, region) where a service the check needs could not be read."""
        wanted = set(accounts) if accounts is not None else None
        out: dict[tuple[str, str], list[str]] = {}
        for service in services:
            for (account, region), reason in self.gaps(service).items():
                if wanted is None or account in wanted:
                    out.setdefault((account, region), []).append(reason)
        return [
            self.account_finding(check_id, account, "NOT_ASSESSED", region=region,
                                 reason="; ".join(reasons), discriminator="" if region == GLOBAL else region,
                                 evidence={"coverage": reasons})
            for (account, region), reasons in sorted(out.items())
        ]

    def missing_tables(self, check_id: str, kinds: Iterable[str]) -> list[Finding]:
        """NOT_ASSESSED per account when a table the check needs is absent from the snapshot."""
        absent = sorted(k for k in kinds if not self.snapshot.has(k))
        if not absent:
            return []
        reason = f"snapshot has no table {', '.join(absent)} (not collected)"
        return [self.account_finding(check_id, acct, "NOT_ASSESSED", reason=reason) for acct in self.all_accounts()]
