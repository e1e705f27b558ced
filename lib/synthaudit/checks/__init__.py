"""Phase 02: segregation checks between production and synthetic environments.

``run_all(snapshot_dir, params)`` runs every check of the registry over a snapshot and
returns findings in a deterministic order. Check metadata lives in
``catalogue/segregation.yaml``; each family module exports its checks as ``CHECKS``.
"""
from synthaudit.checks.check import Check
from synthaudit.checks.registry import PHASE, check_registry, checks, run_all

__all__ = ["PHASE", "Check", "check_registry", "checks", "run_all"]
