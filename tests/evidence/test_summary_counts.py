"""Every number summary.html shows is a count of findings.json: each ``data-count`` filter is
re-counted here from the file, each ``data-diff`` from the two runs' files, each ``data-req``
from the framework files and the file, and the root causes of each check (``data-cause``) add
up to its open findings."""
from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import parse_qsl

import pytest

from evidence.summary_page import build
from synthaudit import catalogue
from synthaudit.findings import SEVERITY_ORDER

FIELD = {"check": "check_id"}


class Numbers(HTMLParser):
    """(attribute, value, text) of every element carrying data-count, data-diff, data-req or data-cause."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self._open: list[tuple[str, str, str] | None] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        mark = next(((k, attrs[k]) for k in ("data-count", "data-diff", "data-req", "data-cause") if k in attrs), None)
        self._open.append((tag, *mark) if mark else None)
        if mark:
            self.found.append((mark[0], mark[1], ""))

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        if any(self._open) and self.found:
            kind, value, text = self.found[-1]
            self.found[-1] = (kind, value, text + data)


def recount(findings: list[dict], query: str) -> int:
    wanted = parse_qsl(query, keep_blank_values=True)
    return sum(1 for f in findings
               if all(("" if f[FIELD.get(k, k)] is None else str(f[FIELD.get(k, k)])) in v.split(",") for k, v in wanted))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return build(tmp_path_factory.mktemp("counts"))


def test_every_count_on_the_page_is_a_count_of_findings_json(run):
    findings = json.loads((run / "findings.json").read_text())
    previous = {f["id"]: f for f in json.loads((run.parent / "2026-10-01T0200Z_demo" / "findings.json").read_text())}
    page = Numbers()
    page.feed((run / "summary.html").read_text())
    kinds = {k for k, _, _ in page.found}
    assert kinds == {"data-count", "data-diff", "data-req", "data-cause"}, kinds
    counts = [(q, t) for k, q, t in page.found if k == "data-count"]
    assert len(counts) > 40
    wrong = [(q, t, recount(findings, q)) for q, t in counts if int(t) != recount(findings, q)]
    assert not wrong, wrong
    # the headline numbers are there and right: all findings, open ones by severity
    shown = dict(counts)
    assert shown[""] == str(len(findings))
    assert shown["status=FAIL&severity=critical"] == str(sum(1 for f in findings if f["status"] == "FAIL"
                                                            and f["severity"] == "critical"))

    now = {f["id"]: f for f in findings}
    expected = {
        "new": sum(1 for i, f in now.items() if f["status"] == "FAIL" and i not in previous),
        "regressed": sum(1 for i, f in now.items() if f["status"] == "FAIL" and i in previous
                         and previous[i]["status"] in ("PASS", "NOT_ASSESSED", "EXCEPTED")),
        "resolved": sum(1 for i, f in previous.items() if f["status"] in ("FAIL", "EXCEPTED")
                        and (i not in now or now[i]["status"] == "PASS")),
    }
    diffs = {q: int(t) for k, q, t in page.found if k == "data-diff"}
    assert diffs == expected and expected == {"new": 14, "regressed": 1, "resolved": 1}

    causes: dict[str, int] = {}
    for k, check, t in page.found:
        if k == "data-cause":
            causes[check] = causes.get(check, 0) + int(t)
    open_by_check = {c: recount(findings, f"status=FAIL&check={c}") for c in {f["check_id"] for f in findings}}
    assert causes == {c: n for c, n in open_by_check.items() if n}

    fails: dict[str, list[str]] = {}
    for f in findings:
        if f["status"] == "FAIL":
            fails.setdefault(f["check_id"], []).append(f["severity"])
    reqs = {q: int(t) for k, q, t in page.found if k == "data-req"}
    for fw in catalogue.load_frameworks():
        worst = [max((s for c in r.checks for s in fails.get(c, [])), key=SEVERITY_ORDER.get, default="")
                 for r in fw.requirements]
        assert reqs[f"{fw.label}|failing"] == sum(1 for w in worst if w)
        for sev in ("critical", "high", "medium", "low"):
            assert reqs.get(f"{fw.label}|{sev}", 0) == worst.count(sev), (fw.label, sev)


def test_phase_counts_follow_the_findings_phase_not_the_notebook(tmp_path):
    """A notebook that publishes another phase's findings does not move them in the phases table."""
    from evidence.fabricate import loose, make_run, write_params
    from evidence.summary_page import current_findings
    from synthaudit.config import load_params
    from synthaudit.evidence import summary

    by_phase = current_findings()
    by_phase["cloudtrail"] = [*by_phase["cloudtrail"],
                              loose("iam", "IAM_UNUSED_GRANTS", "arn:aws:iam::310000000003:role/x", severity="low")]
    run = make_run(tmp_path / "outputs", "2026-11-25T0200Z_demo", by_phase)
    params_path = write_params(tmp_path / "p.yaml")
    report = summary.build_report(run, load_params(params_path), params_path, previous=None)
    table = summary.phases_table(report).set_index("phase")
    for phase in ("iam", "cloudtrail"):
        assert table.loc[phase, "fail"] == sum(1 for f in report.findings if f.phase == phase and f.status == "FAIL")
    assert table.loc["cloudtrail", "fail"] == 2   # its own two, not the IAM one it published
