"""summary.html in a real headless Chromium (the system's ``chromium``, driven by a probe script
the test puts into a copy of the page, read back with --dump-dom): it loads with no console
error, its filters and links narrow the findings table, and at 1,400 px no table column is
narrower than its longest word (no word broken across lines or running out of its cell; text in a
box that scrolls inside its cell, like a long command line of a fix, scrolls rather than being cut)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from evidence.summary_page import LOG_OBJECT, build

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=15000", "--window-size=1400,1000", "--dump-dom")

# Records uncaught errors, rejected promises and console.error from the first script on.
PROBE_HEAD = """<script>window.__errs=[];
window.addEventListener('error',function(e){window.__errs.push('error: '+e.message)});
window.addEventListener('unhandledrejection',function(e){window.__errs.push('rejection: '+e.reason)});
(function(){var c=console.error;console.error=function(){window.__errs.push('console.error: '+
Array.prototype.join.call(arguments,' '));c.apply(console,arguments)}})();</script>"""

# After load: words broken or overflowing in any visible table, then the filters exercised.
PROBE_TAIL = """<script>window.addEventListener('load',function(){setTimeout(function(){
var out={errors:window.__errs,width:window.innerWidth,broken:[]};try{
function visible(el){return el.offsetParent!==null}
function shown(el){var prev=null;for(;el;prev=el,el=el.parentElement){if(el.tagName==='DETAILS'&&!el.open&&!(prev&&prev.tagName==='SUMMARY'))return false}return true}
function scrolls(el,cell){for(;el&&el!==cell;el=el.parentElement){var o=getComputedStyle(el).overflowX;if(o==='auto'||o==='scroll')return true}return false}
Array.prototype.forEach.call(document.querySelectorAll('table'),function(t){
  if(!visible(t))return;
  Array.prototype.slice.call(t.rows).filter(visible).slice(0,400).forEach(function(r){
    Array.prototype.forEach.call(r.cells,function(c){
      var box=c.getBoundingClientRect(),walk=document.createTreeWalker(c,NodeFilter.SHOW_TEXT),n;
      while((n=walk.nextNode())){if(scrolls(n.parentElement,c)||!shown(n.parentElement))continue;var re=/\\S+/g,m;while((m=re.exec(n.data))){
        var g=document.createRange();g.setStart(n,m.index);g.setEnd(n,m.index+m[0].length);
        var rects=Array.prototype.filter.call(g.getClientRects(),function(x){return x.width>0});
        if(!rects.length)continue;var w=g.getBoundingClientRect();
        if(rects.length>1||w.right>box.right+1||w.left<box.left-1){out.broken.push(m[0]+' in '+(t.id||t.className)+
        ' ('+(rects.length>1?'broken across lines':'runs out of its cell')+')')}}}
    })})});
var rows=function(){return Array.prototype.filter.call(document.querySelectorAll('#findings-table tr.f'),function(r){return !r.hidden}).length};
out.all=rows();
var sel=document.querySelector('#filters select[data-field=status]');sel.value='FAIL';sel.dispatchEvent(new Event('change'));
out.fail=rows();
var sev=document.querySelector('#filters select[data-field=severity]');sev.value='critical';sev.dispatchEvent(new Event('change'));
out.fail_critical=rows();
document.getElementById('clear').click();
var q=document.getElementById('q');q.value='R8jlzN809ZU1tRjH';q.dispatchEvent(new Event('input'));
out.search=rows();
document.getElementById('clear').click();
location.hash='#findings?status=FAIL&check=S3_PRODUCTION_NO_SSE_KMS';window.synthaudit.fromHash();
out.link=rows();
var first=Array.prototype.filter.call(document.querySelectorAll('#findings-table tr.f'),function(r){return !r.hidden})[0];
first.querySelector('button.x').click();
var d=first.nextElementSibling;out.detail=d&&d.className==='detail'?d.textContent:null;
}catch(e){window.__errs.push('probe: '+e)}out.errors=window.__errs;
var p=document.createElement('pre');p.id='probe';p.textContent=JSON.stringify(out);document.body.appendChild(p);
},300)});</script>"""


def probe(page: Path, tmp_path: Path) -> dict:
    probed = tmp_path / f"probed-{page.name}"
    text = page.read_text()
    probed.write_text(text.replace("<head>", "<head>" + PROBE_HEAD, 1).replace("</body>", PROBE_TAIL + "</body>", 1))
    proc = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", probed.as_uri()],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    start = dom.find('<pre id="probe">')
    assert start >= 0, "the page did not finish loading: " + proc.stderr[-2000:]
    import html
    result = json.loads(html.unescape(dom[start + len('<pre id="probe">'):dom.index("</pre>", start)]))
    result["console"] = "\n".join(line for line in proc.stderr.splitlines() if ":CONSOLE" in line)
    return result


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("browser"))


@needs_chromium
def test_page_loads_filters_and_keeps_words_whole(run, tmp_path):
    findings = json.loads((run / "findings.json").read_text())
    result = probe(run / "summary.html", tmp_path)
    assert result["errors"] == [] and "Uncaught" not in result["console"], (result["errors"], result["console"])
    assert result["width"] == 1400
    assert result["broken"] == [], result["broken"]
    fails = [f for f in findings if f["status"] == "FAIL"]
    assert result["all"] == len(findings)
    assert result["fail"] == len(fails) < len(findings)
    assert result["fail_critical"] == sum(1 for f in fails if f["severity"] == "critical") < len(fails)
    assert result["search"] == 1
    assert result["link"] == sum(1 for f in fails if f["check_id"] == "S3_PRODUCTION_NO_SSE_KMS") == 3
    # the row's details: its whole evidence, pretty, its fix with the bucket filled in, its notebook
    assert result["detail"] is not None and "notebook render" in result["detail"]
    assert "--bucket phi-" in result["detail"] and "BUCKET" not in result["detail"]


@needs_chromium
def test_probe_catches_a_broken_page(tmp_path):
    """The harness itself can fail: a script error and a word wider than its column are caught."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><head></head><body><table style='width:60px;table-layout:fixed'><tr><td>"
                    f"{LOG_OBJECT}</td></tr></table><div id='filters'><select data-field='status'></select>"
                    "<select data-field='severity'></select><input id='q'><button id='clear'></button></div>"
                    "<script>console.error('boom'); notDefined();</script></body></html>")
    result = probe(page, tmp_path)
    assert any("boom" in e for e in result["errors"]) and any("notDefined" in e for e in result["errors"])
    assert result["broken"], "a word wider than its column went unnoticed"
