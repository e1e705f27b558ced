"""How every runbook shows a table or a summary, so their renders read the same.

``show(frame)`` displays a table without the pandas index, scrolling inside its own box when
wide, identifiers (ARNs, actions, ids: text without spaces) on one line and never cut, list
cells as comma-separated text, and at most ``MAX_ROWS`` rows: a longer table shows its head and
says how many more rows there are and where they are (the findings list). ``outline(data)``
prints nested counts as short lines for the checked cells (NBVAL_CHECK_OUTPUT) instead of a
JSON dump.
"""
from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

MAX_ROWS = 50
MORE = "the whole list is in findings.json and in summary.html's findings table"
_BOX = "overflow-x:auto;max-width:100%;margin:.3em 0"
_TABLE = "border-collapse:collapse;font-size:12px;margin:0"
_CELL = "border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top"


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (list, tuple, set, frozenset)) or (hasattr(value, "tolist") and not isinstance(value, str)):
        items = value.tolist() if hasattr(value, "tolist") else list(value)
        return ", ".join(_text(v) for v in (sorted(items, key=str) if isinstance(value, (set, frozenset)) else items))
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items())
    return str(value)


@dataclass(frozen=True)
class Table:
    """A DataFrame as the runbooks show it (HTML for renders, plain text for the terminal)."""

    frame: pd.DataFrame
    limit: int = MAX_ROWS
    more: str = MORE

    @property
    def hidden(self) -> int:
        return max(0, len(self.frame) - self.limit)

    def _note(self) -> str:
        return f"{self.hidden} more rows not shown ({len(self.frame)} in all): {self.more}" if self.hidden else ""

    def _repr_html_(self) -> str:
        head = self.frame.head(self.limit)
        cols = "".join(f"<th style='{_CELL};background:#f4f4f4'>{html.escape(str(c))}</th>" for c in head.columns)
        body = []
        for row in head.itertuples(index=False):
            cells = []
            for value in row:
                text = _text(value)
                wrap = "white-space:nowrap" if " " not in text else "min-width:12em"
                cells.append(f"<td style='{_CELL};{wrap}'>{html.escape(text)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        note = f"<p style='font-size:12px;color:#555;margin:.2em 0'>{html.escape(self._note())}</p>" if self.hidden else ""
        empty = "" if len(head) else "<p style='font-size:12px;color:#555'>(no rows)</p>"
        return (f"<div style='{_BOX}'><table style='{_TABLE}'><thead><tr>{cols}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table></div>{empty}{note}")

    def __repr__(self) -> str:
        head = self.frame.head(self.limit).map(_text) if len(self.frame) else self.frame
        text = head.to_string(index=False) if len(head) else "(no rows)"
        return text + (f"\n… {self._note()}" if self.hidden else "")


def table(data: Any, *, limit: int = MAX_ROWS, more: str = MORE) -> Table:
    """A Table of a DataFrame (a Styler's data), a list of records, a mapping (one row per key), or
    None (a table the phase did not produce: shown as no rows)."""
    if hasattr(data, "data") and isinstance(getattr(data, "data"), pd.DataFrame):  # a pandas Styler
        data = data.data
    if data is None:
        data = pd.DataFrame()
    elif isinstance(data, pd.Series):
        data = data.reset_index()
    elif isinstance(data, Mapping):
        data = pd.DataFrame([{"key": k, "value": v} for k, v in data.items()])
    elif not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(list(data))
    if not isinstance(data.index, pd.RangeIndex) and any(n is not None for n in data.index.names):
        data = data.reset_index()   # a named index (a pivot's rows) is a column, not an unnamed pandas index
    return Table(data.reset_index(drop=True), limit, more)


def show(data: Any, *, limit: int = MAX_ROWS, more: str = MORE) -> None:
    """Display ``data`` as a Table (see the module docstring)."""
    from IPython.display import display

    display(table(data, limit=limit, more=more))


def outline(data: Any, indent: int = 0) -> str:
    """Nested counts as short lines: ``key: a=1, b=2`` for a flat mapping, one level per indent."""
    pad = "  " * indent
    if isinstance(data, Mapping):
        lines = []
        for key, value in data.items():
            if isinstance(value, Mapping) and value and all(not isinstance(v, (Mapping, list)) for v in value.values()):
                lines.append(f"{pad}{key}: {', '.join(f'{k}={_scalar(v)}' for k, v in value.items())}")
            elif isinstance(value, (Mapping, list)) and value:
                lines += [f"{pad}{key}:", outline(value, indent + 1)]
            else:
                lines.append(f"{pad}{key}: {_scalar(value)}")
        return "\n".join(lines)
    if isinstance(data, list):
        return "\n".join(f"{pad}- {_scalar(v)}" if not isinstance(v, (Mapping, list))
                         else f"{pad}-\n{outline(v, indent + 1)}" for v in data)
    return f"{pad}{_scalar(data)}"


def _scalar(value: Any) -> str:
    if isinstance(value, (Mapping, list)) and not value:
        return "none"
    return value if isinstance(value, str) else json.dumps(value, default=str)


def show_outline(data: Any) -> None:
    print(outline(data))
