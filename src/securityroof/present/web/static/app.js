// The workbench page: an architecture on a map, what-ifs in the side panel, every change sent to
// the server as one state (see docs of `roof serve`), the answer redrawn.
import { ApiError, abort, call, get, saveBlob, stateFromUrl, stateToUrl } from "./api.js";
import { RoofMap, STATUS_COLOURS, assetIcon, escapeHtml as e, frame, partyColour } from "./map.js";
import { abandonDeterrence, openDeterrence, refreshDeterrence } from "./deterrence.js";
import { openCompare } from "./compare.js";

const $ = (id) => document.getElementById(id);
const app = {
  state: null,          // what the page asks for (the contract's STATE)
  good: null,           // the last state the server accepted
  result: null,         // the last evaluation
  library: null,
  catalog: null,
  world: null,
  map: null,
  placing: false,
  framed: null,         // the architecture the map view was last fitted to
  justAdded: null,      // the id of the asset the form just added, to show its row
  evaluate: null,       // set below: re-evaluate after a change
  setSliders: null,
};
window.workbench = app;  // for the browser tests and for poking around in the console

function defaultState(base) { return { base }; }

function status(text, busy = false) {
  $("status").textContent = text;
  document.body.dataset.busy = busy ? "1" : "0";
}

// ---- errors next to their fields ------------------------------------------------------------

function clearErrors() {
  for (const el of document.querySelectorAll(".error")) el.textContent = "";
  for (const el of document.querySelectorAll(".invalid")) el.classList.remove("invalid");
}

// The server names the field as a dotted path into the state ("add[0].boresight_az_deg",
// "speeds_km_s.sm-3-iia"); the page shows the reason at the input that holds that value.
function errorSlot(field) {
  if (!field) return null;
  const path = field.replace(/\[\d+\]/g, "");
  const candidates = [field, path];
  const [head, ...rest] = path.split(".");
  if (head === "speeds_km_s" && rest.length) candidates.push(`speeds_km_s.${rest.join(".").replace(/\.burnout_speed_km_s$/, "")}`);
  if (head === "sharing") candidates.push(rest[0] === "pairs" ? "sharing.pairs" : "sharing");
  if (head === "add") {
    // coordinates typed into the details of an asset added here: said at that form, where they were typed
    const id = app.state.add?.[Number(/^add\[(\d+)\]/.exec(field)?.[1])]?.id;
    if (id != null && ["lat_deg", "lon_deg"].includes(rest[rest.length - 1])) candidates.unshift(`move.${id}`);
    candidates.push(rest.length ? `add.${rest[rest.length - 1]}` : "add", "add");
  }
  candidates.push(head);
  for (const name of candidates) {
    const slot = document.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot) return slot;
  }
  return null;
}

export function showError(error) {
  const field = error instanceof ApiError ? error.field : null;
  const reason = error instanceof ApiError ? error.reason : String(error.message || error);
  const slot = errorSlot(field) || document.querySelector('[data-error-for="*"]');
  slot.textContent = field && slot.dataset.errorFor === "*" ? `${field}: ${reason}` : reason;
  slot.closest(".field")?.querySelector("input, select")?.classList.add("invalid");
  return slot;
}

// ---- evaluation -------------------------------------------------------------------------------

async function evaluate() {
  abandonDeterrence();
  abort("robustness");  // its lines would be of the state before this change
  const state = structuredClone(app.state);
  stateToUrl(state);
  status("computing…", true);
  let answer;
  try {
    answer = await call("api/evaluate", { state }, { channel: "evaluate" });
  } catch (error) {
    // Back to the last state the server accepted, with the reason next to the refused value.
    app.state = structuredClone(app.good ?? state);
    if (app.good) stateToUrl(app.good);
    if (app.result) renderControls();
    clearErrors();
    showError(error);
    status("not computed: see the message in the panel");
    answered();
    return;
  }
  if (!answer) return;  // superseded by a newer change
  clearErrors();
  app.result = answer.value;
  app.state = answer.value.state ?? state;
  app.good = structuredClone(app.state);
  render();
  answered();
  const elapsed = Math.round(app.result.elapsed_ms ?? 0);
  status(elapsed ? `computed in ${elapsed} ms` : "up to date (computed before)");
  refreshDeterrence(app);
}
app.evaluate = evaluate;

// Counts the evaluations answered (drawn or refused), for whoever waits on the page.
function answered() {
  document.body.dataset.evaluations = String(Number(document.body.dataset.evaluations) + 1);
}

function change(mutate) {
  mutate(app.state);
  evaluate();
}

// An asset of the architecture moves by a `move` entry; one added here is its own row, which moves
// (a `move` of it was refused: the architecture as loaded has no such asset).
function moveAsset(state, id, [lat, lon]) {
  const added = state.add?.find((row) => row.id === id);
  if (added) [added.lat_deg, added.lon_deg] = [lat, lon];
  else state.move = { ...(state.move ?? {}), [id]: [lat, lon] };
}

// ---- rendering --------------------------------------------------------------------------------

const fmtInt = new Intl.NumberFormat("en-GB");
function people(n) {
  if (n == null) return "–";
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} million` : fmtInt.format(n);
}

function render() {
  const r = app.result;
  const f = r.figures || {};
  $("scenario-name").textContent = r.scenario?.name ?? app.state.base;
  $("scenario-description").textContent = r.scenario?.description ?? "";
  $("fig-engageable").textContent = f.threats_engageable ?? "–";
  $("fig-total").textContent = f.threats_total ?? "–";
  $("fig-share").textContent = f.protected_share != null ? `(${Math.round(100 * f.protected_share)}%)` : "";
  const protectedCities = Array.isArray(f.cities_protected) ? f.cities_protected.length : f.cities_protected;
  $("fig-cities").textContent = protectedCities ?? "–";
  $("fig-cities-threatened").textContent = f.cities_threatened ?? "–";
  // "54.0 of 57.3 million": the unit once, so that the big number stays short.
  const inMillions = (f.threatened_population ?? 0) >= 1e6;
  $("fig-population").textContent = inMillions ? (f.protected_population / 1e6).toFixed(1) : people(f.protected_population);
  $("fig-population-threatened").textContent = people(f.threatened_population);
  const whatIf = Object.keys(app.state).some((key) => key !== "base");
  let changes = changeLines(r.changes ?? {});
  // A what-if whose figures equal the architecture's: said so, rather than "no change" under a
  // heading that marks the architecture as changed.
  if (whatIf && changes.length === 1 && /^no change\b/i.test(changes[0])) {
    changes = ["Your changes leave every figure as it is in the architecture as loaded"];
  }
  $("changes-list").innerHTML = changes.length
    ? changes.map((t) => `<li>${e(t)}</li>`).join("")
    : '<li class="muted">none: this is the architecture as loaded</li>';
  $("changes").classList.toggle("changed", whatIf);
  renderParties(f);
  const findings = r.findings ?? f.findings ?? [];
  $("findings").innerHTML = findings.map((x) => `<li>${e(x.text ?? x)}</li>`).join("") || '<li class="muted">none</li>';
  $("how-sure").hidden = !findings.length;
  $("how-sure-note").hidden = true;
  renderControls();
  renderLegend();
  if (app.framed !== app.state.base) {
    // Framed once per architecture: a what-if keeps the view the reader has panned to.
    app.map.fit(frame(r));
    app.framed = app.state.base;
  }
  app.map.show(r).then(() => { for (const name of hidden) app.map.setVisible(name, false); });
  if (app.justAdded) {
    // Scroll the asset list (only it, not the panel) to the row just added, so that it is seen.
    const row = document.querySelector(`#assets li[data-asset="${CSS.escape(app.justAdded)}"]`);
    if (row) $("assets").scrollTop = row.offsetTop - $("assets").clientHeight / 2;
    app.justAdded = null;
  }
}

// The server's change lines, with the cities gained or lost gathered in one line each so that
// switching off a key radar does not list twenty cities one per line.
function changeLines(changes) {
  const gained = changes.cities_gained ?? [];
  const lost = changes.cities_lost ?? [];
  const named = new Set([...gained, ...lost]);
  const label = (name) => app.result?.cities?.features?.find((f) => f.properties.name === name)?.properties.label ?? name;
  const lines = (changes.text ?? []).filter((t) => !named.has(t.replace(/ (now|no longer) protected$/, "")));
  const list = (names) => names.map(label).join(", ");
  const cityLines = [
    ...(gained.length ? [`Now protected${gained.length > 1 ? ` (${gained.length})` : ""}: ${list(gained)}`] : []),
    ...(lost.length ? [`No longer protected${lost.length > 1 ? ` (${lost.length})` : ""}: ${list(lost)}`] : []),
  ];
  return [lines[0], ...cityLines, ...lines.slice(1)].filter(Boolean).map(withCityLabels);
}

// The change lines name cities by catalog name ("warsaw now protected"): shown by their labels.
function withCityLabels(text) {
  let shown = text;
  const cities = (app.result?.cities?.features ?? []).map((f) => f.properties).sort((x, y) => y.name.length - x.name.length);
  for (const city of cities) {
    if (city.label) shown = shown.replace(new RegExp(`(^|[\\s,(])${city.name.replace(/[-]/g, "\\-")}(?=$|[\\s,.)])`, "g"), `$1${city.label}`);
  }
  return shown.charAt(0).toUpperCase() + shown.slice(1);
}

// What each party brings: the engageable threats with that party's assets switched off.
function renderParties(f) {
  const without = f.without_party_summary ?? {};
  const names = Object.keys(without);
  $("party-shares").innerHTML = names.length > 1
    ? `<li>Engageable threats lost without each party's assets: ${names.map((party) =>
      `${e(partyLabel(party))} ${f.threats_engageable - without[party].threats_engageable}`).join(" · ")}</li>`
    : "";
}

function partyLabel(party) {
  return app.result?.scenario?.parties?.[party] ?? party;
}

function assetsOf(result) { return result?.assets?.features?.map((x) => x.properties) ?? []; }

function parties() {
  const arch = app.library.architectures.find((a) => a.name === app.state.base);
  const declared = Object.keys(app.result?.scenario?.parties ?? {});
  const owners = new Set([...declared, ...(arch?.parties ?? []), ...assetsOf(app.result).map((a) => a.owner)]);
  return [...owners];
}

function renderControls() {
  $("base").value = app.state.base;
  const sharing = app.state.sharing ?? app.result?.scenario?.sharing ?? { policy: "none" };
  $("sharing").value = sharing.policy;
  $("pairs-editor").hidden = sharing.policy !== "pairs";
  renderPairs(sharing.pairs ?? []);
  const delay = app.state.decision_delay_s ?? app.result?.scenario?.decision_delay_s ?? 0;
  $("delay").value = delay;
  $("delay-value").textContent = `${delay} s`;
  renderSpeeds();
  renderThreatSelect();
  renderAssets();
  const owners = parties();
  const owner = $("add-owner").value;
  $("add-owner").innerHTML = owners.map((o) => `<option value="${e(o)}">${e(partyLabel(o))}</option>`).join("");
  if (owners.includes(owner)) $("add-owner").value = owner;
}

function renderPairs(pairs) {
  const owners = parties();
  const options = (chosen) => owners.map((o) =>
    `<option value="${e(o)}" ${o === chosen ? "selected" : ""}>${e(partyLabel(o))}</option>`).join("");
  $("pairs-list").innerHTML = pairs.map(([s, i], k) =>
    `<li data-k="${k}"><select data-side="0" aria-label="Sensors of">${options(s)}</select> cues
     <select data-side="1" aria-label="Interceptors of">${options(i)}</select>
     <button type="button" class="link" data-remove="${k}" aria-label="Remove pair">×</button></li>`).join("");
}

function interceptorClasses() {
  const fromAssets = assetsOf(app.result).filter((a) => a.class_kind === "interceptor").map((a) => a.kind);
  return [...new Set([...Object.keys(app.result?.scenario?.interceptor_speeds_km_s ?? {}), ...fromAssets])].sort();
}

// "SM-3 Block IIA" for "SM-3 Block IIA (US-Japan, 21-inch upper stages)": the catalog's label
// without its gloss, which reads better than the class id beside a slider.
function shortLabel(kind) {
  const label = app.catalog.interceptor.find((c) => c.name === kind)?.label;
  return label ? label.replace(/\s*\(.*$/, "") : kind;
}

function catalogSpeed(kind) {
  return app.catalog.interceptor.find((c) => c.name === kind)?.burnout_speed_km_s;
}

function renderSpeeds() {
  const box = $("speeds");
  const classes = interceptorClasses();
  box.innerHTML = classes.map((kind) => {
    const value = app.state.speeds_km_s?.[kind] ?? app.result?.scenario?.interceptor_speeds_km_s?.[kind] ?? catalogSpeed(kind);
    const changed = app.state.speeds_km_s?.[kind] != null;
    return `<label class="field speed" title="${e(kind)}">Burnout speed, ${e(shortLabel(kind))} <output>${Number(value).toFixed(1)} km/s</output>
      ${changed ? `<button type="button" class="link" data-reset-speed="${e(kind)}">back to ${Number(catalogSpeed(kind)).toFixed(1)}</button>` : ""}
      <input type="range" min="1" max="12" step="0.1" value="${value}" data-speed="${e(kind)}">
      <span class="error" data-error-for="speeds_km_s.${e(kind)}"></span></label>`;
  }).join("");
}

function renderThreatSelect() {
  const threats = new Set(app.result?.scenario?.threats ?? []);
  for (const f of app.result?.threats?.features ?? []) threats.add(f.properties.threat);
  const chosen = app.state.footprint_threat ?? app.result?.scenario?.footprint_threat ?? "";
  if (chosen) threats.add(chosen);
  const labels = app.result?.scenario?.threat_labels ?? {};
  const label = (t) => labels[t] ?? t;
  $("footprint-threat").innerHTML = [...threats].sort((a, b) => label(a).localeCompare(label(b)))
    .map((t) => `<option value="${e(t)}" ${t === chosen ? "selected" : ""}>${e(label(t))}</option>`).join("");
  $("footprint-threat").title = label(chosen);  // the whole label, where the narrow select cuts it
}

function renderAssets() {
  const off = new Set(app.state.without ?? []);
  const rows = assetsOf(app.result);
  $("assets").innerHTML = rows.map((a) => `
    <li class="${a.added ? "added" : ""} ${a.moved ? "moved" : ""}" data-asset="${e(a.id)}">
      <label><input type="checkbox" data-toggle="${e(a.id)}" ${off.has(a.id) || a.switched_off ? "" : "checked"} ${a.added ? "disabled" : ""}>
      <span class="icon" style="color:${partyColour(a.owner)}">${assetIcon(a.class_kind)}</span></label>
      <button type="button" class="name link" title="Show on the map, with its parameters and sources">${e(a.id)}</button>
      <span class="kind muted">${e(a.kind)}</span>
      ${a.added ? `<button type="button" class="link" data-unadd="${e(a.id)}">remove</button>` : ""}
      ${a.moved ? `<button type="button" class="link" data-unmove="${e(a.id)}">put back</button>` : ""}
    </li>`).join("");
}

const hidden = new Set();  // layer groups switched off in the legend

function renderLegend() {
  const owners = parties();
  const swatch = (colour, text, cls = "dot") => `<li><span class="${cls}" style="--c:${colour}"></span>${text}</li>`;
  const group = (name, title, items) => `<fieldset><legend><label><input type="checkbox" data-layer="${name}"
    ${hidden.has(name) ? "" : "checked"}> ${title}</label></legend><ul>${items}</ul></fieldset>`;
  $("legend-body").innerHTML = [
    group("assets", "Assets", owners.map((o) => `<li><span class="icon" style="color:${partyColour(o)}">◗▲✦</span>${e(partyLabel(o))}</li>`).join("")
      + '<li class="muted">◗ radar ▲ interceptor ✦ satellite</li>'),
    group("cities", "Cities", swatch(STATUS_COLOURS.defended, "protected")
      + swatch(STATUS_COLOURS["threatened-undefended"], "threatened, not protected") + swatch(STATUS_COLOURS["out-of-range"], "out of range")),
    group("coverage", "Radar coverage", swatch("#1f5fbf", "against this threat's RCS", "fan")),
    group("reach", "Interceptor reach", swatch("#1f5fbf", "max ground range", "ring")),
    group("threats", "Threats", swatch("#e08214", "track, engageable", "track") + swatch("#5e3c99", "track, not engageable", "track")
      + swatch("#222", "launch region")),
    group("footprint", "Footprint", swatch("rgba(26,152,80,.5)", "defended", "cell") + swatch("rgba(215,48,39,.5)", "threatened, undefended", "cell")),
  ].join("");
}

// ---- details on click -------------------------------------------------------------------------

function catalogEntry(layer, p) {
  const find = (kind, name) => app.catalog[kind]?.find((c) => c.name === name);
  if (layer === "asset") return find(p.class_kind, p.kind);
  if (layer === "cities") return find("city", p.name);
  if (layer === "threats" || layer === "launches") return find("missile", p.missile);
  if (layer === "coverage" || layer === "reach") {
    const asset = assetsOf(app.result).find((a) => a.id === p.id);
    return asset && find(asset.class_kind, asset.kind);
  }
  return null;
}

const SKIP = new Set(["name", "label", "source", "note"]);
// An asset's flags say something only when set: "switched_off false" is noise to a reader.
const FLAGS = new Set(["switched_off", "added", "moved"]);
function showDetails(layer, props) {
  const entry = catalogEntry(layer, props);
  const rows = Object.entries(props).filter(([k, v]) => v !== null && typeof v !== "object" && !(FLAGS.has(k) && v === false));
  const fields = entry ? Object.entries(entry).filter(([k, v]) => !SKIP.has(k) && v !== null && typeof v !== "object") : [];
  $("details-body").innerHTML = `
    <h3>${e(props.label || props.id || props.name || props.threat_id || layer)}</h3>
    <table class="kv">${rows.map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`).join("")}</table>
    ${layer === "asset" ? moveForm(props.id) : ""}
    ${entry ? `<h4>${e(entry.label || entry.name)} <small class="muted">(catalog)</small></h4>
      <table class="kv">${fields.map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`).join("")}</table>
      ${entry.source ? `<p><b>Source.</b> ${e(entry.source)}</p>` : ""}${entry.note ? `<p><b>Note.</b> ${e(entry.note)}</p>` : ""}` : ""}`;
  $("details").hidden = false;
}

// Moving an asset by its coordinates, for the keyboard and for a position known to the degree's
// fraction (dragging its marker on the map does the same). Satellites have no place to move.
function moveForm(id) {
  const where = app.result?.assets?.features?.find((f) => f.properties.id === id)?.geometry?.coordinates;
  if (!where) return "";
  const [lon, lat] = where.map((x) => Math.round(x * 1e4) / 1e4);
  return `<form class="move-form" data-move="${e(id)}">
      <label>Latitude, ° <input name="lat" inputmode="decimal" value="${lat}" size="8"></label>
      <label>Longitude, ° <input name="lon" inputmode="decimal" value="${lon}" size="8"></label>
      <button type="submit">Move here</button>
      <span class="error" data-error-for="move.${e(id)}"></span></form>`;
}

// ---- controls ---------------------------------------------------------------------------------

function numberOrText(text) {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const n = Number(trimmed);
  // Not a number: sent as typed, so that the server says what is wrong in the CLI's own words.
  return Number.isFinite(n) ? n : trimmed;
}

function addAsset(ev) {
  ev.preventDefault();
  clearErrors();
  const kind = $("add-kind").value;
  const taken = new Set(assetsOf(app.result).map((x) => x.id));
  let fallback = kind;
  for (let k = 2; taken.has(fallback); k += 1) fallback = `${kind}-${k}`;
  const row = { id: $("add-id").value.trim() || fallback, owner: $("add-owner").value, kind };
  const classKind = $("add-kind").selectedOptions[0]?.dataset.classKind;
  for (const [key, input] of [["lat_deg", "add-lat"], ["lon_deg", "add-lon"]]) {
    const value = numberOrText($(input).value);
    if (value !== undefined) row[key] = value;
  }
  const boresight = numberOrText($("add-boresight").value);
  if (classKind === "radar" && boresight !== undefined) row.boresight_az_deg = boresight;
  app.justAdded = row.id;
  change((s) => { s.add = [...(s.add ?? []).filter((a) => a.id !== row.id), row]; });
}

function startPlacing() {
  app.placing = true;
  $("place-hint").hidden = false;
  $("map").classList.add("placing");
  // In a narrow window the map is above the panel, out of sight from the form's button.
  $("map").scrollIntoView({ block: "nearest" });
}

function stopPlacing() {
  app.placing = false;
  $("place-hint").hidden = true;
  $("map").classList.remove("placing");
}

function onMapClick(lngLat) {
  if (!app.placing) return false;
  $("add-lat").value = lngLat.lat.toFixed(3);
  $("add-lon").value = lngLat.lng.toFixed(3);
  stopPlacing();
  $("add-form").requestSubmit();  // a click on the map adds the asset there
  return true;
}

function updateAddForm() {
  const isRadar = $("add-kind").selectedOptions[0]?.dataset.classKind === "radar";
  $("add-boresight-field").hidden = !isRadar;
}

export function setSliders({ delay, speed }) {
  change((s) => {
    if (delay != null) s.decision_delay_s = delay;
    if (speed != null) {
      s.speeds_km_s = Object.fromEntries(interceptorClasses().map((kind) => [kind, speed]));
    }
  });
}
app.setSliders = setSliders;

function wire() {
  $("base").addEventListener("change", () => { app.state = defaultState($("base").value); evaluate(); });
  $("reset").addEventListener("click", () => { app.state = defaultState(app.state.base); evaluate(); });
  $("upload").addEventListener("change", async () => {
    const file = $("upload").files[0];
    if (!file) return;
    clearErrors();
    try {
      const answer = await call("api/upload", await file.text(), { channel: "upload" });
      if (!answer) return;
      const { id, name } = answer.value;
      const option = new Option(`${name} (uploaded)`, `upload:${id}`);
      $("base").add(option, 0);
      app.state = defaultState(`upload:${id}`);
      evaluate();
    } catch (error) {
      // The file's own problem ("asset[2].lat_deg: ...") is shown at the file input.
      const where = error.field && error.field !== "upload" ? `${error.field}: ` : "";
      showError(new ApiError("upload", `${where}${error.reason}`));
    } finally {
      $("upload").value = "";  // so that choosing the same file again, once fixed, loads it
    }
  });
  $("sharing").addEventListener("change", () => change((s) => {
    const policy = $("sharing").value;
    s.sharing = policy === "pairs" ? { policy, pairs: s.sharing?.pairs ?? defaultPairs() } : { policy };
  }));
  $("add-pair").addEventListener("click", () => change((s) => { s.sharing.pairs = [...(s.sharing.pairs ?? []), ...defaultPairs().slice(0, 1)]; }));
  $("pairs-list").addEventListener("change", (ev) => change((s) => {
    const k = Number(ev.target.closest("li").dataset.k);
    s.sharing.pairs[k][Number(ev.target.dataset.side)] = ev.target.value;
  }));
  $("pairs-list").addEventListener("click", (ev) => {
    const k = ev.target.dataset.remove;
    if (k != null) change((s) => { s.sharing.pairs.splice(Number(k), 1); });
  });
  $("delay").addEventListener("input", () => { $("delay-value").textContent = `${$("delay").value} s`; });
  $("delay").addEventListener("change", () => change((s) => { s.decision_delay_s = Number($("delay").value); }));
  $("speeds").addEventListener("input", (ev) => {
    if (ev.target.dataset.speed) ev.target.parentElement.querySelector("output").textContent = `${Number(ev.target.value).toFixed(1)} km/s`;
  });
  $("speeds").addEventListener("change", (ev) => {
    const kind = ev.target.dataset.speed;
    if (kind) change((s) => { s.speeds_km_s = { ...(s.speeds_km_s ?? {}), [kind]: Number(ev.target.value) }; });
  });
  $("speeds").addEventListener("click", (ev) => {
    const kind = ev.target.dataset.resetSpeed;
    if (kind) change((s) => { delete s.speeds_km_s[kind]; if (!Object.keys(s.speeds_km_s).length) delete s.speeds_km_s; });
  });
  $("footprint-threat").addEventListener("change", () => change((s) => { s.footprint_threat = $("footprint-threat").value; }));
  $("assets").addEventListener("change", (ev) => {
    const id = ev.target.dataset.toggle;
    if (!id) return;
    change((s) => {
      const without = new Set(s.without ?? []);
      if (ev.target.checked) without.delete(id); else without.add(id);
      s.without = [...without];
      if (!s.without.length) delete s.without;
    });
  });
  $("assets").addEventListener("click", (ev) => {
    const { unadd, unmove } = ev.target.dataset;
    if (unadd) change((s) => { s.add = s.add.filter((a) => a.id !== unadd); if (!s.add.length) delete s.add; });
    else if (unmove) change((s) => { delete s.move[unmove]; if (!Object.keys(s.move).length) delete s.move; });
    else if (ev.target.closest(".name")) {
      const id = ev.target.closest("li").dataset.asset;
      const f = app.result.assets.features.find((x) => x.properties.id === id);
      if (f?.geometry) app.map.flyTo(f.geometry.coordinates);
      if (f) showDetails("asset", f.properties);
      // In a narrow window the map and its details are above the panel, out of sight from the list.
      $("map").scrollIntoView({ block: "nearest" });
    }
  });
  $("add-kind").addEventListener("change", updateAddForm);
  $("add-form").addEventListener("submit", addAsset);
  $("add-place").addEventListener("click", startPlacing);
  $("place-cancel").addEventListener("click", stopPlacing);
  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") stopPlacing(); });
  $("details-close").addEventListener("click", () => { $("details").hidden = true; });
  $("details-body").addEventListener("submit", (ev) => {
    const form = ev.target.closest("form[data-move]");
    if (!form) return;
    ev.preventDefault();
    clearErrors();
    const id = form.dataset.move;
    // as typed where not a number: the server names the field and says what is wrong
    const position = [numberOrText(form.elements.lat.value) ?? "", numberOrText(form.elements.lon.value) ?? ""];
    change((s) => moveAsset(s, id, position));
  });
  $("legend-body").addEventListener("change", (ev) => {
    const name = ev.target.dataset.layer;
    if (!name) return;
    if (ev.target.checked) hidden.delete(name); else hidden.add(name);
    app.map.setVisible(name, ev.target.checked);
  });
  $("globe").addEventListener("change", () => app.map.setGlobe($("globe").checked));
  $("download-scenario").addEventListener("click", () => download("api/scenario", "scenario.toml"));
  $("download-report").addEventListener("click", () => download("api/report", "report.html"));
  $("how-sure").addEventListener("click", howSure);
  $("open-deterrence").addEventListener("click", () => openDeterrence(app));
  $("open-compare").addEventListener("click", () => openCompare(app));
  for (const button of document.querySelectorAll("[data-close]")) {
    button.addEventListener("click", () => { $(button.dataset.close).hidden = true; });
  }
}

function defaultPairs() {
  const owners = parties();
  return owners.length > 1 ? [[owners[1], owners[0]]] : [[owners[0], owners[0]]];
}

// How sure the findings are: a robustness run of the state shown (100 variants over the catalog's
// stated ranges and the decision delay), each finding's line under it, and what was varied and held.
async function howSure() {
  const state = structuredClone(app.state);
  clearErrors();
  status("how sure: running 100 variants…", true);
  $("how-sure").disabled = true;
  let answer;
  try {
    answer = await call("api/robustness", { state }, { channel: "robustness" });
  } catch (error) {
    showError(error);
    status("not run: see the message in the panel");
    return;
  } finally {
    $("how-sure").disabled = false;
  }
  if (!answer || JSON.stringify(state) !== JSON.stringify(app.state)) return;  // the state changed meanwhile
  const r = answer.value;
  const items = $("findings").querySelectorAll("li");
  r.lines.forEach((line, k) => items[k]?.insertAdjacentHTML("beforeend", `<span class="robust">${e(line)}</span>`));
  $("how-sure-note").textContent = [`${r.n} variants (seed ${r.seed}).`, r.varied, r.held_line, r.failed_line]
    .filter(Boolean).join(" ");
  $("how-sure-note").hidden = false;
  $("how-sure").hidden = true;
  status(`how sure: ${r.n} variants run`);
}

async function download(path, name) {
  clearErrors();
  status("writing…", true);
  try {
    const answer = await call(path, { state: app.state }, { as: "blob" });
    if (answer) saveBlob(answer.value, answer.response, name);
    status("written");
  } catch (error) {
    showError(error);
    status("not written: see the message in the panel");
  }
}

async function start() {
  status("loading…", true);
  [app.library, app.catalog, app.world] = await Promise.all([get("api/library"), get("api/catalog"), get("api/world")]);
  // Scenario files named on `roof serve` come first, then the library.
  const named = (app.library.preload ?? []).filter((p) => p.base.startsWith("upload:"));
  $("base").innerHTML = named.map((p) => `<option value="${e(p.base)}">${e(p.name)} (file)</option>`).join("")
    + app.library.architectures.map((a) => `<option value="${e(a.name)}" title="${e(a.description)}">${e(a.name)}</option>`).join("");
  $("sharing").innerHTML = app.library.sharing_policies.map((p) => `<option>${e(p)}</option>`).join("");
  const groups = ["radar", "interceptor", "satellite"];
  $("add-kind").innerHTML = groups.map((g) => `<optgroup label="${g}s">${(app.catalog[g] ?? []).map((c) =>
    `<option value="${e(c.name)}" data-class-kind="${g}" title="${e(c.label)}">${e(c.name)}</option>`).join("")}</optgroup>`).join("");
  updateAddForm();
  if (window.matchMedia("(max-width: 820px)").matches) $("legend").open = false;
  const bar = document.querySelector("body > header");
  new ResizeObserver(() => document.body.style.setProperty("--bar-height", `${bar.offsetHeight}px`)).observe(bar);
  app.map = new RoofMap($("map"), app.world, {
    draggable: true,
    onMove: (id, position) => change((s) => moveAsset(s, id, position)),
    onPick: showDetails,
    onMapClick,
  });
  wire();
  const fromUrl = stateFromUrl();
  app.state = fromUrl?.base ? fromUrl : (app.library.initial ?? defaultState(app.library.architectures[0]?.name));
  await evaluate();
}

start().catch((error) => { showError(error); status("could not start"); });
