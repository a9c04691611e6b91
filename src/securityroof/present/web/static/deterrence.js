// The deterrence panel: the strategic pairs of the current architecture, and the engageable pairs
// over interceptor burnout speed × decision delay as a heat map per direction.
import { abort, call } from "./api.js";
import { escapeHtml as e } from "./map.js";

const $ = (id) => document.getElementById(id);
const DELAYS_S = [0, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600];
const SPEEDS_KM_S = [2, 3, 4, 5, 6, 7, 8, 9];
let grid = null;      // {key, answer}: the speed × delay grid of an architecture
let current = null;   // the answer at the current state: its pairs and verdicts

export function openDeterrence(app) {
  $("deterrence").hidden = false;
  refreshDeterrence(app);
}

// Any change of the state first abandons the deterrence requests in flight: the server computes
// one thing at a time, and the map's evaluation must not wait behind a grid no longer wanted.
export function abandonDeterrence() {
  abort("deterrence-grid");
  abort("deterrence-pairs");
}

// The grid sweeps speed and delay itself, so it is asked for without the sliders' values: moving
// a slider then costs one cell (the pairs at the current state), not the whole grid again.
export async function refreshDeterrence(app) {
  if ($("deterrence").hidden) return;
  const { decision_delay_s: _delay, speeds_km_s: _speeds, ...architecture } = app.state;
  const key = JSON.stringify(architecture);
  if (grid?.key === key && current) draw(app, grid.answer, current);
  $("deterrence").classList.add("stale");
  const { delay, speeds } = currentSliders(app);
  const catalogSpeeds = interceptorKinds(app).map((kind) => catalogSpeed(app, kind)).filter((s) => s != null);
  const speedAxis = [...new Set([...SPEEDS_KM_S, ...catalogSpeeds])].sort((a, b) => a - b);
  try {
    const [gridAnswer, pairsAnswer] = await Promise.all([
      grid?.key === key ? { value: grid.answer }
        : call("api/deterrence", { state: architecture, speeds_km_s: speedAxis, delays_s: DELAYS_S }, { channel: "deterrence-grid" }),
      call("api/deterrence", { state: app.state, speeds_km_s: [[...speeds.values()][0] ?? 3], delays_s: [delay] },
        { channel: "deterrence-pairs" }),
    ]);
    if (!gridAnswer || !pairsAnswer) return;  // superseded
    grid = { key, answer: gridAnswer.value };
    current = pairsAnswer.value;
  } catch (error) {
    $("deterrence-verdicts").innerHTML = `<p class="error">${e(error.message)}</p>`;
    return;
  }
  $("deterrence").classList.remove("stale");
  draw(app, grid.answer, current);
}

function interceptorKinds(app) {
  const kinds = (app.result?.assets?.features ?? []).map((f) => f.properties).filter((p) => p.class_kind === "interceptor");
  return [...new Set(kinds.map((p) => p.kind))];
}

function catalogSpeed(app, kind) {
  return app.catalog.interceptor.find((c) => c.name === kind)?.burnout_speed_km_s;
}

function nearest(values, x) {
  return values.reduce((best, v) => (Math.abs(v - x) < Math.abs(best - x) ? v : best), values[0]);
}

function currentSliders(app) {
  const delay = app.state.decision_delay_s ?? app.result?.scenario?.decision_delay_s ?? 0;
  const speeds = new Map();
  for (const f of app.result?.assets?.features ?? []) {
    const p = f.properties;
    if (p.class_kind !== "interceptor" || p.switched_off) continue;
    const speed = app.state.speeds_km_s?.[p.kind] ?? catalogSpeed(app, p.kind);
    if (speed != null) speeds.set(p.kind, speed);
  }
  return { delay, speeds };
}

function draw(app, d, now) {
  $("deterrence-verdicts").innerHTML = (now.verdicts ?? []).map((v) => `<p>${e(v.text)}</p>`).join("");
  const { delay, speeds } = currentSliders(app);
  const catalogSpeeds = d.catalog_speeds_km_s ?? {};
  $("deterrence-grids").innerHTML = Object.entries(d.sensitivity_by_direction ?? {}).map(([direction, rows]) => {
    const speedAxis = [...new Set(rows.map((r) => r.burnout_speed_km_s))].sort((a, b) => a - b);
    const delayAxis = [...new Set(rows.map((r) => r.decision_delay_s))].sort((a, b) => a - b);
    const cell = new Map(rows.map((r) => [`${r.burnout_speed_km_s}|${r.decision_delay_s}`, r]));
    const total = Math.max(1, ...rows.map((r) => r.total_pairs));
    const hotDelay = nearest(delayAxis, delay);
    const hotSpeeds = new Set([...speeds.values()].map((s) => nearest(speedAxis, s)));
    const marks = new Map();
    for (const [kind, s] of Object.entries(catalogSpeeds)) {
      const column = nearest(speedAxis, s);
      marks.set(column, [...(marks.get(column) ?? []), `${kind} ${s.toFixed(1)}`]);
    }
    const head = speedAxis.map((s) => `<th scope="col" class="${marks.has(s) ? "marked" : ""}" title="${e((marks.get(s) ?? []).join(", "))}">
      ${marks.has(s) ? "▲<br>" : ""}${s.toFixed(1)}</th>`).join("");
    const body = delayAxis.map((t) => `<tr><th scope="row">${t} s</th>${speedAxis.map((s) => {
      const r = cell.get(`${s}|${t}`);
      // the other side's interceptors only: a party's own defence is no threat to its deterrent
      const n = r?.engageable_by_other_side ?? 0;
      const share = n / total;
      const hot = t === hotDelay && hotSpeeds.has(s);
      return `<td class="${hot ? "current" : ""}" data-speed="${s}" data-delay="${t}" style="--share:${share.toFixed(3)}"
        title="${n} of ${r?.total_pairs ?? 0} pairs engageable by the other side at ${s} km/s, ${t} s delay">${n || ""}</td>`;
    }).join("")}</tr>`).join("");
    return `<figure class="heat" data-direction="${e(direction)}">
      <figcaption><b>${e(direction.replace("->", " → "))}</b>: pairs the other side's interceptors engage, of ${total}
        <span class="scale"><span>0</span><i></i><span>${total}</span></span></figcaption>
      <table><thead><tr><th>delay \\ km/s</th>${head}</tr></thead><tbody>${body}</tbody></table>
      <p class="muted">▲ catalog speeds: ${[...marks.values()].flat().join(" · ") || "none"} km/s</p>
    </figure>`;
  }).join("");
  for (const td of $("deterrence-grids").querySelectorAll("td[data-speed]")) {
    td.addEventListener("click", () => app.setSliders({ delay: Number(td.dataset.delay), speed: Number(td.dataset.speed) }));
  }
  const pairs = [...(now.pairs ?? [])].sort((x, y) => Number(y.engageable) - Number(x.engageable));
  $("deterrence-pairs").innerHTML = `<thead><tr><th>Base → city</th><th>Missile</th><th>Direction</th><th>Engageable?</th><th>By</th></tr></thead>
    <tbody>${pairs.map((p) => `<tr class="${p.engageable ? "yes" : ""}"><td>${e(p.base)} → ${e(p.target)}</td><td>${e(p.missile)}</td>
      <td>${e(String(p.direction).replace("->", " → "))}</td><td>${p.engageable ? "yes" : `no: ${e(String(p.why_not ?? "").replace(/-/g, " "))}`}</td>
      <td>${e((p.sites ?? []).join(", "))}</td></tr>`).join("")}</tbody>`;
}
