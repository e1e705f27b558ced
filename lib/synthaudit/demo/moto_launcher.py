"""Entry point of the simulated estate's server process (``python -m synthaudit.demo.moto_launcher``).

A separate module so the estate can adjust moto before it serves. moto invents
random ids for an organisation and its accounts; a real organisation has fixed
ones, and the demo must be the same estate on every run, so before serving we:

- load the AWS-managed policies the estate attaches (moto loads none or all);
- make ``organizations:CreateOrganization`` use ``ids.ORG_ID`` and
  ``organizations:CreateAccount`` use the fixed id that ``ids.ACCOUNTS`` gives the
  requested account name (other names still get random ids).

Everything else moto randomises (role ids, EC2 ids, KMS key ids) is made
repeatable by the builder, which POSTs ``/moto-api/seed`` before seeding.

With ``--build-demo`` the process builds the demo estate into its own moto backends
(moto's in-process mock, same seeded order) before it starts serving: the server
answers only once the estate stands, and the build costs no HTTP round trip.

One more patch only saves time (``speed_up_moto``); it changes no response and not
the order in which moto draws its seeded random numbers.
"""
from __future__ import annotations

import argparse
import contextvars
import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

from synthaudit.demo import ids

_requested_account_name: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "requested_account_name", default=None)


def load_used_aws_managed_policies(iam_models: Any) -> None:
    """Give every account the AWS-managed policies the estate attaches, and only those.

    moto loads either none or all ~1,300 of them into every account; with all of them
    iam:GetAccountAuthorizationDetails returns megabytes of policies nobody uses,
    while AWS lists the managed policies that are in use.
    """
    from synthaudit.demo.estate_core import AWS_MANAGED_POLICIES_USED

    every = json.loads(iam_models.aws_managed_policies_data)
    missing = sorted(set(AWS_MANAGED_POLICIES_USED) - set(every))
    if missing:
        raise RuntimeError(f"moto has no AWS-managed policy named {missing}: fix estate_core.AWS_MANAGED_POLICIES_USED")
    iam_models.aws_managed_policies_data = json.dumps({name: every[name] for name in AWS_MANAGED_POLICIES_USED})
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"


def patch_moto_ids() -> None:
    """Pin the organisation's ids to the estate's fixed ones (other tests' servers are unaffected:
    only accounts named in ids.py / estate_org.EXTRA_ACCOUNTS get fixed ids)."""
    import moto.iam.models as iam_models

    load_used_aws_managed_policies(iam_models)

    from moto.organizations import models as org_models
    from moto.organizations import utils as org_utils

    from synthaudit.demo.estate_org import EXTRA_ACCOUNTS

    fixed_by_name = {name: account_id for account_id, name in {**ids.ACCOUNTS, **EXTRA_ACCOUNTS}.items()}
    random_account_id = org_utils.make_random_account_id

    def account_id_for_requested_name() -> str:
        name = _requested_account_name.get()
        return fixed_by_name.get(name or "", "") or random_account_id()

    org_utils.make_random_account_id = account_id_for_requested_name
    org_utils.make_random_org_id = lambda: ids.ORG_ID

    original_init = org_models.FakeAccount.__init__

    def init_with_name(self: Any, organization: Any, **kwargs: Any) -> None:
        if kwargs.get("AccountName") == "master":  # the management account moto adds itself
            kwargs["AccountName"] = ids.ACCOUNTS[ids.MANAGEMENT]
        token = _requested_account_name.set(kwargs.get("AccountName"))
        try:
            original_init(self, organization, **kwargs)
        finally:
            _requested_account_name.reset(token)

    org_models.FakeAccount.__init__ = init_with_name
    _pin_ou_ids(org_models, org_utils)


def _pin_ou_ids(org_models: Any, org_utils: Any) -> None:
    """The root's id fixed and each OU's id derived from its name and parent, so findings on an
    OU (an SCP gap is reported where the deny must be attached) name the same ARN in every build."""
    import hashlib

    org_utils.make_random_root_id = lambda: ids.ROOT_ID
    original_init = org_models.FakeOrganizationalUnit.__init__

    def init_with_stable_id(self: Any, organization: Any, **kwargs: Any) -> None:
        original_init(self, organization, **kwargs)
        seed = f"{kwargs.get('ParentId')}/{kwargs.get('Name')}".encode()
        self.id = f"ou-{organization.root_id[2:]}-{hashlib.sha256(seed).hexdigest()[:8]}"

    org_models.FakeOrganizationalUnit.__init__ = init_with_stable_id


def speed_up_moto() -> None:
    """Remove per-request costs that change no response and draw nothing from the seeded stream.

    - A KMS key's RSA-2048 private key (≈0.1 s of CPU each) is made the first time it is used:
      moto makes one for every key at creation, for asymmetric Sign/Verify, which the estate
      never calls; the pair comes from the OS's randomness, so making it later changes no id.
    - moto's dispatcher lists its own package folder (``os.listdir`` and an ``isdir`` for each
      of ~170 services) twice per request, under a lock: the list is computed once.
    - werkzeug logs every request line; with the access log off the server spends its time on
      the requests (≈15 % of its CPU during an inventory went to the log).
    """
    import logging

    from moto import backends
    from moto.kms import models as kms_models

    kms_models.generate_private_key = _lazy_private_key(kms_models.generate_private_key)
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def _lazy_private_key(generate: Any) -> Any:
    class LazyPrivateKey:
        """Stands in for moto's private key of a KMS key; generates it on first use."""

        def __init__(self, key_spec: str) -> None:
            self._key_spec, self._key = key_spec, None

        def __getattr__(self, name: str) -> Any:
            if name.startswith("__") or name in ("_key_spec", "_key"):
                raise AttributeError(name)
            if self._key is None:
                self._key = generate(self._key_spec)
            return getattr(self._key, name)

    return LazyPrivateKey


def start_in_management_account() -> None:
    """The dummy credentials the runner hands its kernels stand for an analyst signed in to the
    management account, as on a real organisation: moto maps a key it did not issue to its
    default account, so that default becomes the management account once the estate stands.
    Discovery then reads the organisation with the starting credentials, and the management
    account is read with them directly (no role assumed there)."""
    import moto.iam.models as iam_models

    iam_models.DEFAULT_ACCOUNT_ID = ids.MANAGEMENT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--build-demo", action="store_true",
                        help="build the demo estate into this process's moto before serving (no HTTP per request)")
    parser.add_argument("--build-report", type=Path, help="with --build-demo: write what it planted here (JSON)")
    args = parser.parse_args()
    patch_moto_ids()
    speed_up_moto()
    if args.build_demo:
        from synthaudit.demo.estate import build_in_this_process

        build_in_this_process(args.build_report)
        start_in_management_account()
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
