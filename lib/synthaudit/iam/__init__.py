"""IAM policy evaluation, offline, from the snapshot: the engine behind phases 02 and 03.

Public API (stable; phase 02 codes against it)::

    from synthaudit.iam import PolicyStore, Decision
    store = PolicyStore.from_snapshot(snapshot_dir)        # or PolicyStore.from_documents(...)
    d = store.evaluate(principal_arn, action, resource_arn, context=None)
    d.outcome      # "allowed" | "denied" | "implicit_deny" | "conditional"
    d.statements   # ((policy arn or name, kind, sid, effect), ...) that decided it
    d.conditions   # undecidable conditions ("allowed only if ...")
    store.principals(environment=None)                     # role/user ARNs
    store.instance_profile_roles(profile_arn)              # roles behind an EC2 instance profile
    store.reachability(principals, resources, actions=None)  # DataFrame, computed in bulk

Nothing heavy happens at import: the action database loads on first use.
"""
from synthaudit.iam.evaluator import OUTCOMES, Decision
from synthaudit.iam.policy import PolicyError
from synthaudit.iam.store import PolicyStore, SnapshotError

__all__ = ["PolicyStore", "Decision", "PolicyError", "SnapshotError", "OUTCOMES"]
