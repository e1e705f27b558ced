"""Estate "two-axis" (data class x stage, nested OUs, neutral names): phases 01-03 find every
planted failure and flag no clean twin."""
from __future__ import annotations

import pytest

from . import two_axis
from .harness import run_estate, score


@pytest.fixture(scope="module")
def result(moto_server, tmp_path_factory):
    built = two_axis.build(moto_server.endpoint_url)
    findings = run_estate(built, moto_server.endpoint_url, tmp_path_factory.mktemp("two-axis"))
    return built, score(built.name, built.planted, findings)


def test_every_planted_failure_found_and_no_twin_flagged(result):
    built, got = result
    print("\n" + got.line())
    assert got.failures >= 8 and got.twins >= 8
    assert not got.missed, f"planted failures not found: {got.missed}"
    assert not got.flagged_twins, f"clean twins flagged or not examined: {got.flagged_twins}"
    assert not got.wrong_severity, f"planted failures at another severity: {got.wrong_severity}"
