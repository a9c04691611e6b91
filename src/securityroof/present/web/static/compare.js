// Two architectures side by side: two maps, one table of differences, what each party adds.
import { call } from "./api.js";
import { RoofMap, escapeHtml as e, frame } from "./map.js";

const $ = (id) => document.getElementById(id);
const maps = {};

export function openCompare(app) {
  const options = app.library.architectures.map((a) => `<option value="${e(a.name)}">${e(a.name)}</option>`).join("");
  if (!$("compare-a").options.length) {
    $("compare-a").innerHTML = `<option value="">as on the main page</option>${options}`;
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

function cellText(figure, value) {
  if (Array.isArray(value)) return value.join(", ") || "none";
  if (typeof value === "number" && /share/.test(figure)) return `${(100 * value).toFixed(1)}%`;
  if (typeof value === "number" && !Number.isInteger(value)) return value.toFixed(1);
  if (value && typeof value === "object") return JSON.stringify(value);
  return String(value ?? "–");
}

// Per side and party: the threats its interceptors engage, and what it adds to the whole (the
// engageable threats lost when its assets are switched off).
function partyRows(r) {
  const parties = [...new Set(["a", "b"].flatMap((side) => Object.keys(r.by_party?.[side] ?? {})))];
  const cell = (side, party) => {
    const mine = r.by_party?.[side]?.[party];
    if (!mine) return "<td>–</td><td>–</td>";
    const whole = r[side];
    const without = r.without_party?.[side]?.[party];
    const adds = without == null ? null : Math.round((whole.protected_share - without) * whole.threats_total);
    return `<td>${mine.threats_engageable}</td><td>${adds == null ? "–" : `+${adds}`}</td>`;
  };
  return parties.map((party) => `<tr><th scope="row">${e(party)}</th>${cell("a", party)}${cell("b", party)}</tr>`).join("");
}

async function run(app) {
  const a = stateOf(app, $("compare-a").value);
  const b = stateOf(app, $("compare-b").value);
  const slot = document.querySelector('[data-error-for="compare"]');
  slot.textContent = "";
  // "what-if" only when the main page has changed something: otherwise it is the architecture as loaded.
  const changed = Object.keys(app.state).some((key) => key !== "base");
  const current = `${app.state.base}${changed ? " with the main page's changes" : " (as on the main page)"}`;
  $("compare-a-title").textContent = `A: ${$("compare-a").value || current}`;
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
  // Both maps then frame the same box, the one around both sides, so that they read side by side.
  const layers = [["a", a], ["b", b]].map(([side, state]) => (r[side]?.assets ? Promise.resolve(r[side])
    : call("api/evaluate", { state }, { channel: `compare-${side}` }).then((x) => x?.value)
      .catch((error) => { slot.textContent = `${side.toUpperCase()}: ${error.message}`; })));
  Promise.all(layers).then((shown) => {
    const box = frame(...shown.filter(Boolean));
    for (const [k, side] of ["a", "b"].entries()) {
      if (!shown[k]) continue;
      maps[side].fit(box);
      maps[side].show(shown[k]);
    }
  });
  $("compare-findings").innerHTML = (r.findings ?? []).map((f) => `<li>${e(f.text ?? f)}</li>`).join("");
  $("compare-table").innerHTML = `<thead><tr><th>Figure</th><th>A</th><th>B</th></tr></thead><tbody>${(r.differences ?? []).map((d) =>
    `<tr><th scope="row">${e(d.label ?? String(d.figure).replace(/_/g, " "))}</th><td>${e(cellText(d.figure, d.a))}</td>
     <td>${e(cellText(d.figure, d.b))}</td></tr>`).join("") || '<tr><td colspan="3">no difference</td></tr>'}</tbody>`;
  $("compare-parties").innerHTML = `<h3>What each party adds</h3><table class="table"><thead>
    <tr><th rowspan="2">Party</th><th colspan="2">A</th><th colspan="2">B</th></tr>
    <tr><th>engaged by its interceptors</th><th>lost without it</th><th>engaged by its interceptors</th><th>lost without it</th></tr>
    </thead><tbody>${partyRows(r)}</tbody></table>`;
}
