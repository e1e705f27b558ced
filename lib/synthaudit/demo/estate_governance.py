"""Placeholder while the governance part of the estate is written."""
from synthaudit.demo.estate_core import Estate


def build_governance(estate: Estate) -> None:
    return None
