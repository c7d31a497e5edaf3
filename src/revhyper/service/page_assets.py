"""The coach's page's stylesheet and script, inline in the page and allowed by their hashes in its
Content-Security-Policy (nothing is loaded from anywhere else: the page works offline)."""

from __future__ import annotations

import base64
import hashlib

from ..export.builtin_exporters import STYLE as BLOCK_STYLE

STYLE = BLOCK_STYLE + """
/* the chart's legend in colours that meet WCAG AA on white (CSS overrides the SVG's fill attributes) */
body{max-width:980px;line-height:1.45}
a{color:#0b4f9c}
:focus-visible{outline:3px solid #0b4f9c;outline-offset:2px}
[tabindex="-1"]:focus{outline:none}
fieldset{border:1px solid #8a8a8a;border-radius:6px;margin:0 0 1em;padding:.5em 1em 1em;display:grid;
grid-template-columns:repeat(auto-fill,minmax(17em,1fr));gap:0 1.5em;align-items:start}
fieldset>.help,fieldset>.error,fieldset>fieldset,fieldset>.words{grid-column:1/-1}
fieldset.field{display:block}
fieldset fieldset{border-color:#b0b0b0}
legend{font-weight:600;padding:0 .3em;text-transform:capitalize}
.field{margin:.6em 0}
.field>label{display:block;font-weight:600}
.check{display:flex;gap:.5em;align-items:flex-start;margin:.3em 0}
.check label{font-weight:normal}
.words{display:grid;grid-template-columns:repeat(auto-fill,minmax(17em,1fr));gap:.1em 1em}
.help{color:#4a4a4a;font-size:.9em;margin:.15em 0 0}
.error{color:#a4000f;font-weight:600;margin:.2em 0}
input[type=text],input[type=number],input[type=date],select,textarea{font:inherit;padding:.25em .4em;
border:1px solid #6b6b6b;border-radius:4px;background:#fff;color:#222}
input[type=number]{width:9em}
input[aria-invalid=true],select[aria-invalid=true]{border:2px solid #a4000f}
table.weeks td{white-space:nowrap}table.weeks td:nth-child(2),table.weeks td:nth-child(3),table.weeks td:last-child{white-space:normal}
textarea{width:100%;min-height:8em;font-family:ui-monospace,monospace;font-size:.9em}
button{font:inherit;padding:.4em 1em;border:1px solid #0b4f9c;border-radius:4px;background:#0b4f9c;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b4f9c}
.required{color:#a4000f}
#drop{border:2px dashed #6b6b6b;border-radius:8px;padding:1em;margin:1em 0}
#drop.over{background:#eef4fb;border-color:#0b4f9c}
.request{border:1px solid #8a8a8a;border-radius:6px;padding:0 1em;margin:1em 0;background:#fffdf5}
.summary{border:3px solid #a4000f;border-radius:6px;padding:.5em 1em;margin:1em 0}
.downloads form{display:flex;flex-wrap:wrap;gap:.5em}
details{margin:1em 0}summary{cursor:pointer;font-weight:600}
pre{background:#f4f4f4;padding:1em;overflow-x:auto;font-size:.85em}
.chart svg{max-width:100%;height:auto}
.chart text[fill="#6c9bd2"]{fill:#2b5f9e}.chart text[fill="#b7950b"]{fill:#6e5a07}
table.weeks{font-size:.92em}table.weeks caption{text-align:left;font-weight:600;padding:.3em 0}
table.weeks th[scope=row]{text-align:right}
"""

SCRIPT = """(function () {
  "use strict";
  var form = document.getElementById("file-form"), input = document.getElementById("profile-file"),
      text = document.getElementById("profile-text"), name = document.getElementById("profile-name"),
      zone = document.getElementById("drop");
  function load(file) {
    if (!file) { return; }
    var reader = new FileReader();
    reader.onload = function () { text.value = reader.result; name.value = file.name; form.submit(); };
    reader.readAsText(file);
  }
  if (form && input && zone) {
    input.addEventListener("change", function () { load(input.files[0]); });
    ["dragenter", "dragover"].forEach(function (kind) {
      zone.addEventListener(kind, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (kind) {
      zone.addEventListener(kind, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) { load(event.dataTransfer.files[0]); }
    });
    document.addEventListener("dragover", function (event) { event.preventDefault(); });
    document.addEventListener("drop", function (event) { event.preventDefault(); });
  }
  var first = document.getElementById("problems") || document.getElementById("result");
  if (first) { first.focus(); }
}());
"""


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


CSP = ("default-src 'none'; "
       f"style-src {_hash(STYLE)}; script-src {_hash(SCRIPT)}; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
"""Only this page's own style and script (by hash), forms to this server, nothing from elsewhere."""

HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store"}
"""Every answer of the page. ``no-store``: a profile is health data."""
