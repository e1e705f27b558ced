"""Placeholder while the network part of the estate is written."""
from synthaudit.demo.estate_core import Estate


def build_network(estate: Estate) -> None:
    return None
