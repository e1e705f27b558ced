"""summary.html in a real headless Chromium: no console errors, every chart drawn, no network needed."""
from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from evidence.fabricate import baseline_findings, make_run, write_params
from synthaudit.config import load_params
from synthaudit.evidence import summary

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=15000", "--dump-dom")

# Records uncaught errors, rejected promises and console.error, then writes them into the DOM on load.
PROBE_HEAD = """<script>window.__errs=[];
window.addEventListener('error',function(e){window.__errs.push('error: '+e.message)});
window.addEventListener('unhandledrejection',function(e){window.__errs.push('rejection: '+e.reason)});
(function(){var c=console.error;console.error=function(){window.__errs.push('console.error: '+
Array.prototype.join.call(arguments,' '));c.apply(console,arguments)}})();</script>"""
PROBE_TAIL = """<script>window.addEventListener('load',function(){setTimeout(function(){var p=document.createElement('pre');
p.id='probe-errors';p.textContent=JSON.stringify(window.__errs);document.body.appendChild(p)},500)});</script>"""


class ChartScan(HTMLParser):
    """Which chart divs contain a rendered plotly SVG (class main-svg)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.rendered: dict[str, int] = {}
        self.charts: list[str] = []
        self.probe: str | None = None
        self._in_probe = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        chart = attrs.get("id") if (attrs.get("id") or "").startswith("chart-") else None
        if chart:
            self.charts.append(chart)
        if tag not in ("br", "img", "meta", "input", "link", "path", "rect", "line", "circle", "stop", "use"):
            self.stack.append(chart)
        if "main-svg" in (attrs.get("class") or "").split():
            for owner in filter(None, self.stack):
                self.rendered[owner] = self.rendered.get(owner, 0) + 1
        self._in_probe = attrs.get("id") == "probe-errors"

    def handle_endtag(self, tag):
        if tag not in ("br", "img", "meta", "input", "link", "path", "rect", "line", "circle", "stop", "use") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self._in_probe:
            self.probe = (self.probe or "") + data


def load_in_chromium(page: Path, tmp_path: Path) -> tuple[ChartScan, str]:
    probed = tmp_path / f"probed-{page.name}"
    text = page.read_text()
    probed.write_text(text.replace("<head>", "<head>" + PROBE_HEAD, 1).replace("</body>", PROBE_TAIL + "</body>", 1))
    profile = tmp_path / "chromium-profile"
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", probed.as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    scan = ChartScan()
    scan.feed(proc.stdout)
    console = "\n".join(line for line in proc.stderr.splitlines() if ":CONSOLE" in line)
    return scan, console


@pytest.fixture(scope="module")
def summary_page(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    outputs = root / "outputs"
    make_run(outputs, "2026-10-01T0200Z_demo", baseline_findings(), manifest_label="demo")
    run = make_run(outputs, "2026-11-25T0200Z_demo", baseline_findings())
    params_path = write_params(root / "p.yaml", evidence={"audit_date": "2027-01-15"})
    summary.finalize_run(run, load_params(params_path), params_path)
    return run / "summary.html"


@needs_chromium
def test_summary_loads_without_errors_and_charts_render(summary_page, tmp_path):
    scan, console = load_in_chromium(summary_page, tmp_path)
    assert scan.probe is not None, "the page did not finish loading"
    assert json.loads(scan.probe) == [], scan.probe
    assert "Uncaught" not in console, console
    expected = {"chart-by_severity", "chart-by_phase", "chart-by_environment", "chart-controls", "chart-leak"}
    assert set(scan.charts) == expected
    assert {c for c, n in scan.rendered.items() if n > 0} == expected, scan.rendered


@needs_chromium
def test_probe_catches_a_broken_page(tmp_path):
    """The harness itself can fail: a page with a script error and an undrawn chart is caught."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><head></head><body><div id='chart-x'></div>"
                    "<script>console.error('boom'); notDefined();</script></body></html>")
    scan, console = load_in_chromium(page, tmp_path)
    errors = json.loads(scan.probe)
    assert any("boom" in e for e in errors) and any("notDefined" in e for e in errors)
    assert scan.charts == ["chart-x"] and scan.rendered == {}
