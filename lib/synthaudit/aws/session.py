"""The one place boto3 sessions are made: profile or default chain, assume-role per
account, adaptive retries, optional endpoint, and the read-only guard on every one."""
from __future__ import annotations

import os
import threading
from typing import Any, Iterable

import boto3
from botocore.config import Config

from synthaudit.aws.guard import ReadOnlyGuard, install_guard
from synthaudit.config import Params

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

    def session(self, account_id: str) -> boto3.Session:
        """A guarded session inside ``account_id``, by assuming the audit role there."""
        with self._lock:
            cached = self._sessions.get(account_id)
        if cached is not None:
            return cached
        sts = self.base_client("sts")
        kwargs: dict[str, Any] = {"RoleArn": self.params.role_arn(account_id), "RoleSessionName": SESSION_NAME}
        if self.params.aws.external_id:
            kwargs["ExternalId"] = self.params.aws.external_id
        creds = sts.assume_role(**kwargs)["Credentials"]
        session = self._guarded(boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        ))
        with self._lock:
            self._sessions.setdefault(account_id, session)
            return self._sessions[account_id]

    def client(self, account_id: str, service: str, region: str | None = None) -> Any:
        return self.session(account_id).client(
            service, region_name=self._region(region), endpoint_url=self.endpoint_url, config=self.config
        )

    def caller_identity(self, account_id: str) -> dict[str, str]:
        """Who the kit is inside one account (recorded in the manifest; no secrets)."""
        ident = self.client(account_id, "sts").get_caller_identity()
        return {"Account": ident["Account"], "Arn": ident["Arn"], "UserId": ident["UserId"]}
