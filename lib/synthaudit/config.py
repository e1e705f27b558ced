"""Run parameters: one YAML file, loaded into a strict model before any AWS call.

Strict means unknown keys, wrong types and missing required keys are errors that
name the file, the key path and what was expected. Account ids are 12-digit
strings; a YAML integer is refused because YAML silently drops a leading zero.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from synthaudit import arn as aws_arn
from synthaudit.errors import ParamsError

ACCOUNT_ID_RE = re.compile(r"^\d{12}$")
ENVIRONMENTS = ("production", "synthetic", "shared")
SEVERITIES = ("info", "low", "medium", "high", "critical")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _account_id(value: Any) -> str:
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise ValueError(
            f"account id {value!r} is a YAML number: quote it as written, e.g. id: \"012345678901\" "
            "(unquoted, YAML drops leading zeros and reads 0-prefixed digits as octal)"
        )
    if not isinstance(value, str) or not ACCOUNT_ID_RE.match(value):
        raise ValueError(f"account id must be a quoted 12-digit string, got {value!r}")
    return value


class Account(_Strict):
    id: str = Field(description="12-digit AWS account id, quoted")
    name: str = Field(description="short human name, used in reports")
    role_arn: str | None = Field(
        default=None,
        description="role the kit assumes in this account; default arn:aws:iam::<id>:role/<aws.audit_role_name>",
    )
    environment: Literal["production", "synthetic", "shared", "unknown"] | None = Field(
        default=None, description="explicit environment; overrides classification rules for the account"
    )
    profile: str | None = Field(
        default=None,
        description="named profile (SSO profiles included) whose credentials read this account; "
                    "with role_arn, the profile's credentials assume that role",
    )
    external_id: str | None = Field(default=None, description="ExternalId for this account's role (default aws.external_id)")

    _check_id = field_validator("id", mode="before")(_account_id)


class AccountSelector(_Strict):
    """Accounts of the organisation picked by id, by name pattern or by OU (an account under a nested OU counts)."""

    accounts: list[str] = Field(default_factory=list, description="account ids")
    name_patterns: list[str] = Field(default_factory=list, description="fnmatch patterns on account names")
    ous: list[str] = Field(default_factory=list, description="OU ids or names")

    @field_validator("accounts", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> Any:
        return [_account_id(v) for v in value] if isinstance(value, list) else value

    def is_empty(self) -> bool:
        return not (self.accounts or self.name_patterns or self.ous)


class Discovery(_Strict):
    """Accounts read from AWS Organizations instead of listed by hand."""

    enabled: bool | None = Field(
        default=None, description="read the organisation's ACTIVE accounts; default: on when `accounts` is empty"
    )
    include: AccountSelector = Field(
        default_factory=AccountSelector, description="only these accounts (empty: every ACTIVE account)"
    )
    exclude: AccountSelector = Field(default_factory=AccountSelector, description="never these accounts")


class EnvironmentRule(_Strict):
    """What makes an account, principal or resource belong to one environment."""

    accounts: list[str] = Field(default_factory=list, description="account ids")
    ous: list[str] = Field(default_factory=list, description="organizational unit ids or names")
    tags: dict[str, list[str]] = Field(
        default_factory=dict, description="tag key -> accepted values (case-insensitive); any one key matching is enough"
    )
    tags_all: list[dict[str, list[str]]] = Field(
        default_factory=list,
        description="tag combinations: each entry matches when EVERY key in it carries an accepted value "
                    "(e.g. {DataClass: [phi], Stage: [live]}); checked before the any-of tags",
    )
    name_patterns: list[str] = Field(
        default_factory=list, description="fnmatch patterns on resource or principal names"
    )

    @field_validator("accounts", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [_account_id(v) for v in value]
        return value


class ThirdParty(_Strict):
    """An account outside the organisation that the organisation knows: a partner, a vendor."""

    id: str = Field(description="12-digit AWS account id, quoted")
    name: str = Field(description="who it is, shown in findings (e.g. acme-analytics)")

    _check_id = field_validator("id", mode="before")(_account_id)


class ExternalRule(_Strict):
    """``external``: accounts outside the organisation. Any account seen as a principal or grantee
    that is not a member is external without being listed; listing names it in findings."""

    third_parties: list[ThirdParty] = Field(
        default_factory=list, description="named accounts outside the organisation (partners, vendors)"
    )


class Classification(_Strict):
    production: EnvironmentRule = Field(default_factory=EnvironmentRule)
    synthetic: EnvironmentRule = Field(default_factory=EnvironmentRule)
    shared: EnvironmentRule = Field(default_factory=EnvironmentRule)
    external: ExternalRule = Field(default_factory=ExternalRule)

    @model_validator(mode="after")
    def _third_parties_are_outside(self) -> "Classification":
        members = {a for env in ENVIRONMENTS for a in getattr(self, env).accounts}
        seen: set[str] = set()
        for party in self.external.third_parties:
            if party.id in members:
                raise ValueError(f"classification.external.third_parties: account {party.id} ({party.name}) is also "
                                 "listed under production/synthetic/shared accounts; an account is either a member "
                                 "of the organisation or external")
            if party.id in seen:
                raise ValueError(f"classification.external.third_parties: account {party.id} is listed twice")
            seen.add(party.id)
        return self


class AwsAccess(_Strict):
    profile: str | None = Field(default=None, description="named profile; default credential chain when null")
    audit_role_name: str = Field(
        default="SynthauditReadOnly", description="role name assumed in every account unless role_arn is set"
    )
    external_id: str | None = Field(default=None, description="ExternalId for the audit role, if required")
    regions: list[str] = Field(default_factory=lambda: ["us-east-1"], min_length=1)
    endpoint_url: str | None = Field(
        default=None, description="custom endpoint (the simulated estate sets this itself)"
    )
    max_workers: int = Field(default=8, ge=1, le=64, description="bounded concurrency of collectors")
    max_attempts: int = Field(default=8, ge=1, le=20, description="botocore adaptive-retry attempts")
    account_timeout_seconds: float | None = Field(
        default=1800, gt=0, description="seconds of reads one account may take (its units summed); null = no limit"
    )


class AthenaSource(_Strict):
    database: str
    table: str
    workgroup: str = "primary"
    output_location: str | None = None


class CloudTrailSource(_Strict):
    source: Literal["s3", "local", "athena", "lookup", "none"] = "s3"
    bucket: str | None = Field(default=None, description="trail bucket (source: s3)")
    prefix: str = Field(default="", description="key prefix before AWSLogs/")
    account: str | None = Field(default=None, description="account whose session reads the bucket "
                                "(default: the audited account that owns it, found by preflight)")
    local_path: str | None = Field(default=None, description="folder of log files (source: local)")
    athena: AthenaSource | None = None
    review_days: int = Field(default=30, ge=1, description="review window ending at the newest event")
    baseline_days: int = Field(default=60, ge=0, description="baseline window before the review window")
    cache_dir: str | None = Field(default=None, description="Parquet cache; default outputs/.cloudtrail-cache")

    @field_validator("account", mode="before")
    @classmethod
    def _acct(cls, value: Any) -> Any:
        return None if value is None else _account_id(value)


class Dataset(_Strict):
    name: str
    real: str = Field(description="production sample: local path or s3://bucket/key (CSV or Parquet)")
    synthetic: str = Field(description="synthetic output made from it")
    holdout: str | None = Field(default=None, description="production rows not used for training")
    account: str | None = Field(default=None, description="account whose session reads S3 inputs "
                                "(default: the audited account that owns the real data's bucket)")
    synthetic_account: str | None = Field(
        default=None, description="account whose session reads the synthetic output (default: account)"
    )
    columns: dict[str, Literal[
        "direct_identifier", "quasi_identifier", "sensitive", "free_text", "image", "dicom", "other"
    ]] = Field(default_factory=dict, description="column -> role")
    canaries: list[dict[str, Any]] = Field(default_factory=list, description="canary records (column -> value)")
    canary_pattern: str | None = Field(default=None, description="regex recognising canary values")
    mrn_patterns: list[str] = Field(default_factory=list, description="regexes for medical record numbers")

    @field_validator("account", "synthetic_account", mode="before")
    @classmethod
    def _acct(cls, value: Any) -> Any:
        return None if value is None else _account_id(value)


class LeakThresholds(_Strict):
    fail_score: float = Field(default=20.0, ge=0, le=100, description="score at or above which a dataset FAILs")
    near_copy_distance: float = Field(default=0.05, ge=0, description="DCR at or below which a row is a near copy")
    k_anonymity: int = Field(default=5, ge=1, description="QI groups smaller than k count as replay risk")
    seed: int = 20261125
    exact_copy_max_share: float = Field(default=0.0, ge=0, le=1, description="share of exact copies tolerated")
    near_copy_max_share: float = Field(default=0.005, ge=0, le=1, description="share of near copies tolerated")
    qi_replay_max_share: float = Field(default=0.0, ge=0, le=1, description="share of QI replays tolerated (above chance)")
    inference_max_risk: float = Field(default=0.1, ge=0, le=1, description="inference risk whose CI lower bound FAILs")
    inference_attacks: int = Field(default=500, ge=10, description="attacks on training and on control rows")
    image_hash_distance: int = Field(default=6, ge=0, le=64, description="phash Hamming distance of a near-duplicate image")
    text_pattern_max_hits: int = Field(default=0, ge=0, description="SSN/MRN/e-mail/phone shapes tolerated in free text")
    dcr_engine: Literal["auto", "numpy", "numba"] = Field(default="auto", description="exact DCR kernel")
    confirmed_leak_floor: float = Field(
        default=90.0, ge=0, le=100,
        description="sub-score of one confirmed leak (canary trace, production identifier, copied DICOM header); "
                    "must be >= fail_score so a confirmed leak always FAILs")

    @model_validator(mode="after")
    def _floor_at_least_fail_score(self) -> "LeakThresholds":
        if self.confirmed_leak_floor < self.fail_score:
            raise ValueError(f"thresholds.leak.confirmed_leak_floor ({self.confirmed_leak_floor}) is below "
                             f"thresholds.leak.fail_score ({self.fail_score}): a confirmed leak must FAIL; "
                             "raise confirmed_leak_floor or lower fail_score")
        return self


class Thresholds(_Strict):
    fail_on: Literal["info", "low", "medium", "high", "critical"] = "high"
    leak: LeakThresholds = Field(default_factory=LeakThresholds)
    spike_mad: float = Field(default=5.0, gt=0, description="robust z-score above which a daily count is a spike")


class ObjectSample(_Strict):
    """The bounded sample of objects whose tags phase 01 reads (GetObjectTagging) per bucket."""

    per_prefix: int = Field(default=3, ge=0, le=100,
                            description="objects read per top-level prefix (and at the bucket root); 0 = no object tags")
    max_prefixes: int = Field(default=20, ge=0, le=1000,
                              description="top-level prefixes sampled per bucket, in key order; the rest are counted")


class Segregation(_Strict):
    classification_step_patterns: list[str] = Field(
        default_factory=lambda: ["*classif*", "*validat*", "*deidentif*", "*de-identif*", "*phi*scan*"],
        description="fnmatch patterns (case-insensitive) on Step Functions state names or resources that count as a data-classification validation step",
    )
    database_ports: list[int] = Field(default_factory=lambda: [1433, 1521, 3306, 5432, 27017, 6379])
    admin_ports: list[int] = Field(default_factory=lambda: [22, 3389])
    required_config_rules: list[str] = Field(
        default_factory=lambda: ["restricted-ssh", "s3-bucket-public-write-prohibited"]
    )
    pipeline_lambda_patterns: list[str] = Field(
        default_factory=lambda: ["*synth*", "*transform*", "*deidentif*"],
        description="Lambda function names that belong to the data-transformation pipeline",
    )
    lineage_keys: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "source": ["SourceDataset", "source_dataset", "lineage:source", "lineage_source"],
            "generator": ["Generator", "generator", "lineage:generator", "lineage_generator"],
            "run": ["GeneratorRun", "generator_run", "RunId", "run_id", "GeneratedOn", "generated_on",
                    "lineage:run", "lineage_run"],
        },
        description="lineage part -> tag or table-parameter keys (case-insensitive) that record it; "
                    "a synthetic dataset needs every part",
    )
    object_sample: ObjectSample = Field(
        default_factory=ObjectSample,
        description="objects whose tags are read per bucket, so S3_MIXED_ENVIRONMENT_DATA sees data classes "
                    "of objects, not only of buckets",
    )


class Evidence(_Strict):
    upload_bucket: str | None = None
    upload_account: str | None = None
    retention_days: int = Field(default=2555, ge=1, description="Object Lock retention (default 7 years)")
    audit_date: dt.date | None = Field(default=None, description="date of the next audit")

    @field_validator("upload_account", mode="before")
    @classmethod
    def _acct(cls, value: Any) -> Any:
        return None if value is None else _account_id(value)


class Params(_Strict):
    label: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="run folder suffix")
    estate: Literal["demo", "aws"] = Field(description="demo = the simulated estate; aws = a real organisation")
    organization_id: str | None = Field(default=None, description="o-xxxxxxxxxx, used in trail key layout")
    management_account: str | None = None
    accounts: list[Account] = Field(
        default_factory=list,
        description="accounts to audit; empty or `discover`: read from AWS Organizations (see discovery); "
                    "with discovery on, a listed account's keys override what was discovered for it",
    )
    discovery: Discovery = Field(default_factory=Discovery)
    aws: AwsAccess = Field(default_factory=AwsAccess)
    classification: Classification = Field(default_factory=Classification)
    cloudtrail: CloudTrailSource = Field(default_factory=CloudTrailSource)
    datasets: list[Dataset] = Field(default_factory=list)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    segregation: Segregation = Field(default_factory=Segregation)
    exceptions_file: str | None = Field(default=None, description="YAML of accepted risks, relative to the params file")
    evidence: Evidence = Field(default_factory=Evidence)

    @field_validator("management_account", mode="before")
    @classmethod
    def _mgmt(cls, value: Any) -> Any:
        return None if value is None else _account_id(value)

    @field_validator("accounts", mode="before")
    @classmethod
    def _discover_word(cls, value: Any) -> Any:
        return [] if value in ("discover", None) else value

    @model_validator(mode="after")
    def _accounts_or_discovery(self) -> "Params":
        if not self.accounts and self.discovery.enabled is False:
            raise ValueError("no accounts: list them under `accounts`, or turn discovery on "
                             "(discovery.enabled: true) to read them from AWS Organizations")
        return self

    @property
    def discovers_accounts(self) -> bool:
        """Whether accounts come from AWS Organizations (explicitly, or because none is listed)."""
        return self.discovery.enabled if self.discovery.enabled is not None else not self.accounts

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    @model_validator(mode="after")
    def _unique_accounts(self) -> "Params":
        seen: set[str] = set()
        third = {p.id: p.name for p in self.classification.external.third_parties}
        for acct in self.accounts:
            if acct.id in seen:
                raise ValueError(f"account {acct.id} is listed twice")
            if acct.id in third:
                raise ValueError(f"account {acct.id} is audited (accounts) and listed as the third party "
                                 f"{third[acct.id]} (classification.external.third_parties): it cannot be both")
            seen.add(acct.id)
        return self

    def account_ids(self) -> list[str]:
        return [a.id for a in self.accounts]

    def role_arn(self, account_id: str) -> str:
        for acct in self.accounts:
            if acct.id == account_id and acct.role_arn:
                return acct.role_arn
        return aws_arn.iam_role(account_id, self.aws.audit_role_name)


def _key_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "<top level>"


def format_validation_error(source: str, err: ValidationError) -> str:
    lines = [f"{source}: invalid parameters"]
    for e in err.errors():
        loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and x.startswith("function-")))
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check spelling; see params/example-organisation.yaml for every key)"
        elif e["type"] == "missing":
            msg = "required key is missing"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        lines.append(f"  {_key_path(loc)}: {msg}")
    return "\n".join(lines)


def parse_params(data: Any, source: str = "<params>") -> Params:
    if not isinstance(data, dict):
        raise ParamsError(f"{source}: expected a mapping of keys at the top level, got {type(data).__name__}")
    try:
        return Params.model_validate(data)
    except ValidationError as err:
        raise ParamsError(format_validation_error(source, err)) from None


def read_yaml(path: str | Path, what: str, error: type[ValueError] = ValueError) -> Any:
    """Parse one YAML file; ``error`` names the file and says whether it was unreadable or not YAML."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise error(f"{path}: cannot read {what} ({exc.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML: {exc}") from None


def load_params(path: str | Path) -> Params:
    """Load and validate a params file; raises ParamsError naming file and key."""
    return parse_params(read_yaml(path, "params file", ParamsError), str(path))


def params_as_dict(params: Params) -> dict[str, Any]:
    """JSON-ready params as loaded, for the manifest."""
    return params.model_dump(mode="json")
