// Two architectures side by side: two maps, one table of differences, what each party adds.
import { call } from "./api.js";
import { RoofMap, escapeHtml as e } from "./map.js";

const $ = (id) => document.getElementById(id);
const maps = {};

export function openCompare(app) {
  const options = app.library.architectures.map((a) => `<option value="${e(a.name)}">${e(a.name)}</option>`).join("");
  if (!$("compare-a").options.length) {
    $("compare-a").innerHTML = `<option value="">the current what-if</option>${options}`;
    $("compare-b").innerHTML = options;
    const other = app.library.architectures.find((a) => a.name !== app.state.base && a.name === "joint-lisbon")
      ?? app.library.architectures.find((a) => a.name !== app.state.base);
    if (other) $("compare-b").value = other.name;
    for (const id of ["compare-a", "compare-b"]) $(id).addEventListener("change", () => run(app));
  }
  $("compare").hidden = false;
  for (const side of ["a", "b"]) {
    if (!maps[side]) maps[side] = new RoofMap($(`map-${side}`), app.world, { zoom: 2.2 });
    maps[side].resize();
  }
  run(app);
}

function stateOf(app, value) {
  return value ? { base: value } : structuredClone(app.state);
}

function cellText(value) {
  if (Array.isArray(value)) return value.join(", ") || "none";
  if (typeof value === "number" && !Number.isInteger(value)) return value.toFixed(3);
  if (value && typeof value === "object") return JSON.stringify(value);
  return String(value ?? "–");
}

async function run(app) {
  const a = stateOf(app, $("compare-a").value);
  const b = stateOf(app, $("compare-b").value);
  const slot = document.querySelector('[data-error-for="compare"]');
  slot.textContent = "";
  $("compare-a-title").textContent = `A: ${$("compare-a").value || `${app.state.base} (current what-if)`}`;
  $("compare-b-title").textContent = `B: ${$("compare-b").value}`;
  $("compare-table").innerHTML = '<tbody><tr><td class="muted">computing…</td></tr></tbody>';
  let answer;
  try {
    answer = await call("api/compare", { a, b }, { channel: "compare" });
  } catch (error) {
    slot.textContent = error.message;
    return;
  }
  if (!answer) return;
  const r = answer.value;
  // The comparison may carry each side's layers; if not, each side is evaluated (cached server-side).
  for (const [side, state] of [["a", a], ["b", b]]) {
    if (r[side]?.assets) maps[side].show(r[side]);
    else call("api/evaluate", { state }, { channel: `compare-${side}` }).then((x) => x && maps[side].show(x.value)).catch(() => {});
  }
  $("compare-findings").innerHTML = (r.findings ?? []).map((f) => `<p>${e(f.text ?? f)}</p>`).join("");
  $("compare-table").innerHTML = `<thead><tr><th>Figure</th><th>A</th><th>B</th></tr></thead><tbody>${(r.differences ?? []).map((d) =>
    `<tr><th scope="row">${e(String(d.figure).replace(/_/g, " "))}</th><td>${e(cellText(d.a))}</td><td>${e(cellText(d.b))}</td></tr>`).join("")}</tbody>`;
  const parties = Object.entries(r.by_party ?? {});
  $("compare-parties").innerHTML = parties.length ? `<h3>What each party adds</h3><ul>${parties.map(([party, adds]) =>
    `<li><b>${e(party)}</b>: ${e(typeof adds === "string" ? adds : adds.text ?? cellText(adds))}</li>`).join("")}</ul>` : "";
}
