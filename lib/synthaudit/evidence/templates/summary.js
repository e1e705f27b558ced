/* summary.html: filters, search, sort and row details of the findings table. No network, no library. */
(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.querySelectorAll("tr.f"));
  var fixes = JSON.parse(document.getElementById("fixes-data").textContent);
  var evidence = JSON.parse(document.getElementById("evidence-data").textContent);
  var selects = Array.prototype.slice.call(document.querySelectorAll("#filters select"));
  var search = document.getElementById("q");
  var shown = document.getElementById("shown");
  var extra = {};   /* filters from a link that the selects cannot show (several values, root cause) */
  var SEV = {critical: 4, high: 3, medium: 2, low: 1, info: 0};

  function wanted() {
    var w = {};
    selects.forEach(function (s) { if (s.value !== "") { w[s.dataset.field] = [s.value]; } });
    Object.keys(extra).forEach(function (k) { w[k] = extra[k]; });
    return w;
  }
  function text(tr) {
    if (tr._text === undefined) {
      tr._text = (tr.textContent + " " + tr.dataset.id + " " +
                  JSON.stringify(evidence[+tr.dataset.ev])).toLowerCase();
    }
    return tr._text;
  }
  function apply() {
    var w = wanted(), q = search.value.trim().toLowerCase(), n = 0;
    rows.forEach(function (tr) {
      var ok = Object.keys(w).every(function (k) { return w[k].indexOf(tr.dataset[k] || "") >= 0; });
      if (ok && q) { ok = text(tr).indexOf(q) >= 0; }
      tr.hidden = !ok;
      if (tr._detail) { tr._detail.hidden = !ok; }
      if (ok) { n += 1; }
    });
    shown.textContent = n + " of " + rows.length + " findings shown" +
      (Object.keys(extra).length ? " (filtered by link: " + Object.keys(extra).map(function (k) {
        return k + "=" + extra[k].join("|"); }).join(", ") + ")" : "");
    table.dataset.shown = String(n);
  }
  function fromHash() {
    var h = decodeURIComponent(location.hash || "");
    var at = h.indexOf("#findings?");
    if (at !== 0) { return; }
    extra = {};
    selects.forEach(function (s) { s.value = ""; });
    h.slice("#findings?".length).split("&").forEach(function (pair) {
      if (!pair) { return; }
      var eq = pair.indexOf("="), k = pair.slice(0, eq), v = pair.slice(eq + 1).replace(/\+/g, " ").split(",");
      var sel = selects.filter(function (s) { return s.dataset.field === k; })[0];
      if (sel && v.length === 1 && Array.prototype.some.call(sel.options, function (o) { return o.value === v[0]; })) {
        sel.value = v[0];
      } else { extra[k] = v; }
    });
    apply();
    document.getElementById("findings").scrollIntoView();
  }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"}[c]; });
  }
  function fixHtml(parts) {
    return parts.map(function (p) {
      return p[1] === null ? esc(p[0]) : "<mark class=\"ph\" title=\"" + esc(p[1]) + "\">" + esc(p[0]) + "</mark>";
    }).join("");
  }
  function toggle(tr) {
    if (tr._detail) {
      tr._detail.parentNode.removeChild(tr._detail); tr._detail = null;
      tr.classList.remove("open"); tr.querySelector("button.x").textContent = "+"; return;
    }
    var d = document.createElement("tr"), td = document.createElement("td"), html = [];
    d.className = "detail"; td.colSpan = tr.cells.length;
    html.push("<div class=\"small\">id <code>" + esc(tr.dataset.id) + "</code>");
    if (tr.dataset.nb) { html.push(" · <a href=\"" + esc(tr.dataset.nb) + "\">notebook render</a>"); }
    if (tr.dataset.rc) { html.push(" · <a href=\"#" + esc(tr.dataset.rc) + "\">root cause</a>"); }
    html.push("</div>");
    if (tr.dataset.reason) { html.push("<p><b>Not assessed:</b> " + esc(tr.dataset.reason) + "</p>"); }
    if (tr.dataset.exception) { html.push("<p><b>Exception:</b></p><pre>" + esc(JSON.stringify(JSON.parse(tr.dataset.exception), null, 2)) + "</pre>"); }
    html.push("<p><b>Evidence</b></p><pre>" + esc(JSON.stringify(evidence[+tr.dataset.ev], null, 2)) + "</pre>");
    html.push("<p><b>Remediation</b></p><pre class=\"fix\">" + fixHtml(fixes[+tr.dataset.fix]) + "</pre>");
    td.innerHTML = html.join("");
    d.appendChild(td);
    tr.parentNode.insertBefore(d, tr.nextSibling);
    tr._detail = d; tr.classList.add("open"); tr.querySelector("button.x").textContent = "−";
  }
  function sortBy(th) {
    var key = th.dataset.sort, dir = th.classList.contains("asc") ? -1 : 1;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.classList.remove("asc", "desc"); });
    th.classList.add(dir === 1 ? "asc" : "desc");
    var idx = th.cellIndex;
    rows.sort(function (a, b) {
      var x = key === "severity" ? SEV[a.dataset.severity] : a.cells[idx].textContent;
      var y = key === "severity" ? SEV[b.dataset.severity] : b.cells[idx].textContent;
      if (key === "severity") { return dir * (y - x); }
      return dir * (x < y ? -1 : x > y ? 1 : 0);
    });
    rows.forEach(function (tr) { body.appendChild(tr); if (tr._detail) { body.appendChild(tr._detail); } });
  }
  selects.forEach(function (s) { s.addEventListener("change", function () { extra = {}; apply(); }); });
  search.addEventListener("input", apply);
  document.getElementById("clear").addEventListener("click", function () {
    extra = {}; search.value = ""; selects.forEach(function (s) { s.value = ""; }); apply();
  });
  body.addEventListener("click", function (e) {
    var b = e.target.closest("button.x"); if (b) { toggle(b.closest("tr")); }
  });
  table.tHead.addEventListener("click", function (e) {
    var th = e.target.closest("th[data-sort]"); if (th) { sortBy(th); }
  });
  window.addEventListener("hashchange", fromHash);
  if ((location.hash || "").indexOf("#findings?") === 0) { fromHash(); } else { apply(); }
  window.synthaudit = {apply: apply, fromHash: fromHash, toggle: toggle};
}());
