"""Placeholder while the services part of the estate is written."""
from synthaudit.demo.estate_core import Estate


def build_services(estate: Estate) -> None:
    return None
