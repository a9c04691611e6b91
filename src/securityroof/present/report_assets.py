"""The report page's one stylesheet and one script, and the Content-Security-Policy that allows
exactly them.

They are inline, so that the page is one file; the CSP allows exactly these texts (by hash), so
markup that slipped past escaping could run no script and add no style. Nothing is fetched (images
are data: URIs), and no form can be submitted nor a <base> redirect the page's links.
"""

from __future__ import annotations

import base64
import hashlib

STYLE = """
body { font-family: sans-serif; max-width: 1360px; margin: 1em auto; padding: 0 1em; color: #222; }
body { line-height: 1.4; overflow-wrap: break-word; }
h1 { margin: 0.2em 0; font-size: 1.7em; }
h2 { margin-top: 1.4em; }
.cite { font-size: 0.85em; color: #444; overflow-wrap: anywhere; }
.findings { border: 2px solid #2a5d8f; background: #f2f7fc; border-radius: 6px; padding: 0.4em 1em; margin: 0.8em 0; }
.findings h2 { margin: 0.2em 0; font-size: 1.2em; }
.findings ul { margin: 0.3em 0; padding-left: 1.2em; }
.findings li { margin: 0.25em 0; }
.findings .robust { color: #444; font-size: 0.92em; }
.kind { font-size: 0.75em; text-transform: uppercase; color: #2a5d8f; margin-right: 0.4em; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f0f3f6; }
/* the row's name stays in sight while a wide table scrolls sideways on a narrow screen */
.scroll td:first-child { position: sticky; left: 0; background: #fff; }
.scroll th:first-child { position: sticky; left: 0; }
th button { font: inherit; font-weight: bold; border: 0; background: none; padding: 0; cursor: pointer; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
td.defended { background: #e1f2dd; }
td.threatened-undefended { background: #f9dcd7; }
td.out-of-range { background: #f1f1f1; color: #666; }
.note, figcaption, .small { font-size: 0.85em; color: #555; }
.maps { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap: 1em; }
.maps figure { margin: 0; }
img.map { width: 100%; height: auto; border: 1px solid #ccc; }
details { margin: 0.5em 0 1em; }
summary { cursor: pointer; font-weight: bold; }
.controls { display: flex; flex-wrap: wrap; gap: 0.4em 1.2em; align-items: center; margin: 0.5em 0; font-size: 0.9em; }
.controls input[type="search"] { width: 12em; max-width: 100%; }
code { overflow-wrap: anywhere; }
@media (max-width: 600px) {
  body { padding: 0 0.6em; }
  h1 { font-size: 1.4em; }
  h2 { font-size: 1.25em; }
  .findings { padding: 0.3em 0.7em; }
}
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  .controls, th button::after { display: none; }
  .scroll { overflow: visible; }
  .scroll td:first-child, .scroll th:first-child { position: static; }
  .maps { grid-template-columns: 1fr 1fr; }
  figure, tr, .findings { break-inside: avoid; }
  summary { list-style: none; }
  a { color: inherit; text-decoration: none; }
}
"""
SCRIPT = """
(function () {
  "use strict";
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };

  // a cell's sort key: a number where the text starts with one, null for no value (always last)
  function key(row, k) {
    var text = row.cells[k].textContent.trim().replace(/,/g, "");
    if (text === "" || text === "\u2014") { return null; }
    return /^-?[0-9.]+/.test(text) ? parseFloat(text) : text.toLowerCase();
  }
  function order(a, b) {
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    if (typeof a !== typeof b) { return typeof a === "number" ? -1 : 1; }
    return a < b ? -1 : a > b ? 1 : 0;
  }
  function sortBy(table, th) {
    var k = th.cellIndex, ascending = th.getAttribute("aria-sort") !== "ascending";
    each(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, k), y = key(b, k);
      if (x === null || y === null) { return (x === null) - (y === null); }
      return ascending ? order(x, y) : order(y, x);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function refresh(box) {
    var city = box.querySelector("input.city-filter").value.trim().toLowerCase();
    var all = box.querySelector("input.show-all").checked, rows = box.querySelector("tbody").rows, shown = 0;
    each(rows, function (row) {
      var visible = (all || row.getAttribute("data-feasible") === "true") &&
        (row.getAttribute("data-city") || "").indexOf(city) >= 0;
      row.hidden = !visible;
      shown += visible ? 1 : 0;
    });
    box.querySelector(".shown").textContent = shown + " of " + rows.length + " rows shown";
  }

  each(document.querySelectorAll("table.sortable th button"), function (button) {
    button.addEventListener("click", function () { sortBy(button.closest("table"), button.closest("th")); });
  });
  each(document.querySelectorAll(".filterable"), function (box) {
    each(box.querySelectorAll("input.city-filter, input.show-all"), function (input) {
      input.addEventListener("input", function () { refresh(box); });
      input.addEventListener("change", function () { refresh(box); });
    });
  });
  // print every table: collapsed sections open for the printout, and close again after it
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.slice.call(document.querySelectorAll("details:not([open])"));
    opened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () { opened.forEach(function (d) { d.open = false; }); opened = []; });

  // what a headless browser reads back to check that the maps decoded
  window.addEventListener("load", function () {
    var maps = Array.prototype.slice.call(document.querySelectorAll("img.map"));
    var decoded = maps.every(function (m) { return m.complete && m.naturalWidth > 0; });
    document.body.setAttribute("data-maps-loaded", String(maps.length > 0 && decoded));
  });
})();
"""


def _csp_hash(text: str) -> str:
    """A CSP source that allows the inline ``<script>`` or ``<style>`` whose content is exactly ``text``."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


CSP = (
    f"default-src 'none'; img-src data:; style-src {_csp_hash(STYLE)}; script-src {_csp_hash(SCRIPT)}; "
    "form-action 'none'; base-uri 'none'"
)
