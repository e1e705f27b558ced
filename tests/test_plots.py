"""Charts survive papermill and nbconvert offline: the evidence renderer emits HTML drawn by a local plotly.js."""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from synthaudit import plots


def test_evidence_renderer_emits_html_with_the_local_script_once(monkeypatch):
    monkeypatch.setattr(pio.renderers, "default", pio.renderers.default)
    plots.use_evidence_renderer()
    plots.use_evidence_renderer()
    assert pio.renderers.default == "synthaudit"
    renderer = plots.EvidenceRenderer()
    fig = go.Figure(go.Bar(x=["a"], y=[1])).to_dict()
    first, second = renderer.to_mimebundle(fig), renderer.to_mimebundle(fig)
    assert first["text/html"].startswith(f'<script src="{plots.PLOTLY_JS}">')
    assert plots.PLOTLY_JS not in second["text/html"] and "Plotly.newPlot" in second["text/html"]
    assert first["application/vnd.plotly.v1+json"]["data"][0]["type"] == "bar"


def test_plotly_bundle_is_written_once(tmp_path):
    path = plots.write_plotly_bundle(tmp_path)
    assert path.name == plots.PLOTLY_JS and path.stat().st_size > 1_000_000
    path.write_text("kept")
    assert plots.write_plotly_bundle(tmp_path).read_text() == "kept"
