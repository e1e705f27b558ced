"""The segregation registry is built from the families' exported ``CHECKS``, and validated."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from synthaudit.checks import registry as reg
from synthaudit.checks.check import Check


def _noop(ctx):
    return []


def _family(*checks: Check) -> SimpleNamespace:
    return SimpleNamespace(CHECKS=checks)


def test_registry_is_every_familys_checks_in_id_order():
    exported = [c for family in reg.FAMILIES for c in family.CHECKS]
    assert [c.id for c in reg.checks()] == sorted(c.id for c in exported)
    assert all(reg.check_registry()[c.id] is c for c in exported)


def test_registry_is_read_only():
    with pytest.raises(TypeError):
        reg.check_registry()["NEW_CHECK"] = None  # type: ignore[index]


def test_a_duplicate_id_is_refused():
    check = Check("S3_MIXED_ENVIRONMENT_DATA", "s3", ("s3_buckets",), _noop)
    with pytest.raises(ValueError, match="defined twice"):
        reg.build_registry([_family(check), _family(check)])


def test_an_id_without_a_catalogue_entry_is_refused():
    with pytest.raises(KeyError, match="NO_SUCH_CHECK"):
        reg.build_registry([_family(Check("NO_SUCH_CHECK", "s3", ("s3_buckets",), _noop))])


def test_an_id_of_another_phase_is_refused():
    with pytest.raises(ValueError, match="phase"):
        reg.build_registry([_family(Check("LEAK_SCORE", "s3", ("s3_buckets",), _noop))])


def test_an_unknown_table_is_refused():
    with pytest.raises(ValueError, match="s3_bukkets"):
        reg.build_registry([_family(Check("S3_MIXED_ENVIRONMENT_DATA", "s3", ("s3_bukkets",), _noop))])


def test_every_family_names_its_checks_with_its_own_family():
    for family in reg.FAMILIES:
        assert {c.family for c in family.CHECKS} == {family.FAMILY}, family.__name__
