"""Plotly output that survives papermill and nbconvert, offline.

Under papermill plotly emits only its JSON mimetype, which nbconvert's HTML renders
as nothing. The "synthaudit" renderer emits that mimetype (for JupyterLab) plus a
text/html fragment that draws the figure with a local ``plotly.min.js``, which the
runner writes beside the HTML renders: charts are visible with no network.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer

PLOTLY_JS = "plotly.min.js"


class EvidenceRenderer(MimetypeRenderer):
    def __init__(self) -> None:
        self._script_emitted = False

    def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, Any]:
        html = pio.to_html(fig_dict, include_plotlyjs=False, full_html=False, validate=False,
                           config={"displaylogo": False, "responsive": True})
        if not self._script_emitted:
            html = f'<script src="{PLOTLY_JS}"></script>\n' + html
            self._script_emitted = True
        plotly_json = json.loads(pio.to_json(fig_dict, validate=False, remove_uids=True))
        return {"application/vnd.plotly.v1+json": plotly_json, "text/html": html}


def use_evidence_renderer() -> None:
    """Make the evidence renderer the default in this kernel (idempotent)."""
    if "synthaudit" not in pio.renderers:
        pio.renderers["synthaudit"] = EvidenceRenderer()
    pio.renderers.default = "synthaudit"


def write_plotly_bundle(folder: Path) -> Path:
    """Write plotly.js next to the HTML renders (once per folder)."""
    from plotly.offline import get_plotlyjs

    target = Path(folder) / PLOTLY_JS
    if not target.exists():
        target.write_text(get_plotlyjs())
    return target
