"""The one place boto3 sessions are made: profile or default chain, per-account profile
or role, the starting credentials used directly in their own account, adaptive retries,
optional endpoint, and the read-only guard on every one."""
from __future__ import annotations

import os
import threading
from typing import Any, Iterable

import boto3
from botocore.config import Config

from synthaudit.aws.guard import ReadOnlyGuard, install_guard
from synthaudit.config import Account, Params

SESSION_NAME = "synthaudit-audit"


class SessionFactory:
    """Makes guarded sessions and clients for every account of a run.

    ``extra_allowed`` widens the guard for one named purpose only (the evidence upload);
    every other caller gets the default, read-only guard.
    """

    def __init__(self, params: Params, extra_allowed: Iterable[tuple[str, str]] = ()) -> None:
        self.params = params
        self.endpoint_url = params.aws.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        self.extra_allowed = tuple(extra_allowed)
        self.config = Config(
            retries={"mode": "adaptive", "max_attempts": params.aws.max_attempts},
            max_pool_connections=max(10, params.aws.max_workers * 2),
            user_agent_extra="synthaudit",
        )
        self._lock = threading.Lock()
        self._sessions: dict[str, boto3.Session] = {}
        self._base: boto3.Session | None = None
        self._starting_account: str | None = None

    def _guarded(self, session: boto3.Session) -> boto3.Session:
        install_guard(session, ReadOnlyGuard(self.extra_allowed))
        return session

    @property
    def base(self) -> boto3.Session:
        """Session from the named profile or the default credential chain."""
        with self._lock:
            if self._base is None:
                kwargs: dict[str, Any] = {}
                if self.params.aws.profile:
                    kwargs["profile_name"] = self.params.aws.profile
                self._base = self._guarded(boto3.Session(**kwargs))
            return self._base

    def _region(self, region: str | None) -> str:
        return region or self.params.aws.regions[0]

    def base_client(self, service: str, region: str | None = None) -> Any:
        return self.base.client(service, region_name=self._region(region),
                                endpoint_url=self.endpoint_url, config=self.config)

    @property
    def starting_account(self) -> str | None:
        """The account the starting credentials belong to (None when STS cannot tell)."""
        with self._lock:
            known = self._starting_account
        if known is None:
            try:
                known = str(self.base_client("sts").get_caller_identity()["Account"])
            except Exception:  # noqa: BLE001 - no usable credentials: every account then assumes a role, and fails there by name
                known = ""
            with self._lock:
                self._starting_account = known
        return known or None

    def access_path(self, account_id: str) -> str:
        """How the kit reads ``account_id``, in words (for errors and the manifest)."""
        acct = self.params.account(account_id)
        start = f"profile {acct.profile}" if acct and acct.profile else (
            f"profile {self.params.aws.profile}" if self.params.aws.profile else "the default credential chain")
        if acct and acct.role_arn:
            return f"role {acct.role_arn} assumed with {start}"
        if acct and acct.profile:
            return start
        if account_id == self.starting_account:
            return f"the starting credentials ({start}) directly"
        return f"role {self.params.role_arn(account_id)} assumed with {start}"

    def session(self, account_id: str) -> boto3.Session:
        """A guarded session inside ``account_id``: its profile, its role, the starting credentials
        when they belong to it, else the audit role assumed there."""
        with self._lock:
            cached = self._sessions.get(account_id)
        if cached is not None:
            return cached
        acct = self.params.account(account_id)
        if acct and acct.profile:
            start = self._guarded(boto3.Session(profile_name=acct.profile))
            session = self._assume(start, acct.role_arn, acct) if acct.role_arn else start
        elif acct and acct.role_arn:
            session = self._assume(self.base, acct.role_arn, acct)
        elif account_id == self.starting_account:
            session = self.base
        else:
            session = self._assume(self.base, self.params.role_arn(account_id), acct)
        with self._lock:
            self._sessions.setdefault(account_id, session)
            return self._sessions[account_id]

    def _assume(self, start: boto3.Session, role_arn: str, acct: Account | None) -> boto3.Session:
        sts = start.client("sts", region_name=self._region(None), endpoint_url=self.endpoint_url, config=self.config)
        kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME}
        external_id = (acct.external_id if acct else None) or self.params.aws.external_id
        if external_id:
            kwargs["ExternalId"] = external_id
        creds = sts.assume_role(**kwargs)["Credentials"]
        return self._guarded(boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        ))

    def client(self, account_id: str, service: str, region: str | None = None) -> Any:
        return self.session(account_id).client(
            service, region_name=self._region(region), endpoint_url=self.endpoint_url, config=self.config
        )

    def caller_identity(self, account_id: str) -> dict[str, str]:
        """Who the kit is inside one account (recorded in the manifest; no secrets)."""
        ident = self.client(account_id, "sts").get_caller_identity()
        return {"Account": ident["Account"], "Arn": ident["Arn"], "UserId": ident["UserId"]}
