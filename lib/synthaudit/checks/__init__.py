"""Phase 02: segregation checks between production and synthetic environments.

``run_all(snapshot_dir, params)`` runs every registered check over a snapshot and
returns findings in a deterministic order. Check metadata lives in
``catalogue/segregation.yaml``; each family module registers its checks.
"""
from synthaudit.checks.registry import PHASE, REGISTRY, Check, checks, run_all

__all__ = ["PHASE", "REGISTRY", "Check", "checks", "run_all"]
