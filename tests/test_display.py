"""The runbooks' one display helper: no index, identifiers whole, wide tables scroll in their box,
long tables summarised with a pointer to the whole list, counts as lines rather than JSON."""
from __future__ import annotations

import pandas as pd

from synthaudit import display

ARN = "arn:aws:iam::310000000003:role/service-role/synth-pipeline-execution-role-with-a-long-name"


def test_table_has_no_index_and_keeps_identifiers_whole():
    frame = pd.DataFrame({"resource": [ARN], "actions": [["kms:Decrypt", "kms:DescribeKey"]],
                          "reason": ["the role can read production data"]}, index=[7])
    page = display.table(frame)._repr_html_()
    assert "overflow-x:auto" in page                              # scrolls inside its own box
    assert f"white-space:nowrap'>{ARN}</td>" in page               # the ARN on one line, whole
    assert "kms:Decrypt, kms:DescribeKey" in page                  # a list cell as text, not a repr
    assert "min-width:12em'>the role can read" in page             # prose wraps
    assert ">7<" not in page and page.count("<th style") == 3   # no index column
    assert repr(display.table(frame)).splitlines()[0].split() == ["resource", "actions", "reason"]


def test_long_tables_show_their_head_and_say_where_the_rest_is():
    frame = pd.DataFrame({"n": range(120)})
    shown = display.table(frame)
    page = shown._repr_html_()
    assert page.count("<tr>") == 1 + display.MAX_ROWS
    assert "70 more rows not shown (120 in all)" in page and "findings.json" in page
    assert "70 more rows" in repr(shown) and len(repr(shown).splitlines()) == 1 + display.MAX_ROWS + 1
    assert display.table(pd.DataFrame({"n": range(50)})).hidden == 0


def test_a_named_index_becomes_a_column():
    pivot = pd.DataFrame({"account": ["a", "b"], "n": [1, 2]}).set_index("account")
    assert list(display.table(pivot).frame.columns) == ["account", "n"]
    assert list(display.table({"x": 1}).frame.columns) == ["key", "value"]
    assert repr(display.table(None)) == "(no rows)" and "(no rows)" in display.table(None)._repr_html_()


def test_outline_prints_counts_as_lines_not_json():
    text = display.outline({"findings": 3, "status": {"FAIL": 1, "PASS": 2}, "diff": None,
                            "datasets": [{"dataset": "claims", "parts": {"copies": {"status": "FAIL", "rows": 3}}}]})
    assert text.splitlines() == ["findings: 3", "status: FAIL=1, PASS=2", "diff: null", "datasets:", "  -",
                                 "    dataset: claims", "    parts:", "      copies: status=FAIL, rows=3"]
    assert "{" not in text


def test_every_runbook_shows_tables_through_the_helper():
    """No runbook dumps JSON or hands a DataFrame to IPython's display: tables go through show()."""
    import json
    import re
    from pathlib import Path

    import synthaudit

    books = sorted((Path(synthaudit.__file__).parent / "runbooks").glob("*.ipynb"))
    assert len(books) == 6
    for book in books:
        code = ["".join(c["source"]) for c in json.loads(book.read_text())["cells"] if c["cell_type"] == "code"]
        text = "\n".join(code)
        assert "from synthaudit.display import show" in text, book.name
        assert "show_json" not in text and "json.dumps" not in text, book.name
        calls = re.findall(r"(?<![\w.])display\(([^()]*)", text)
        assert all(arg.startswith(("Markdown", "HTML")) for arg in calls), (book.name, calls)
