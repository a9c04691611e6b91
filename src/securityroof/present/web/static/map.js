// The map: a MapLibre style with only a background and GeoJSON sources (no tiles, glyphs or
// sprites, so nothing is fetched from outside), and HTML markers for the assets (draggable).
/* global maplibregl */

export const STATUS_COLOURS = {
  "defended": "#1a9850",
  "threatened-undefended": "#d73027",
  "out-of-range": "#9aa0a6",
};
// Parties in the order they first appear; NATO blue and Russia purple so that neither clashes
// with the red of "threatened".
const PARTY_COLOURS = { nato: "#1f5fbf", russia: "#7b3294" };
const SPARE_COLOURS = ["#00838f", "#8c510a", "#c51b7d", "#4d9221"];
const ICONS = { radar: "◗", interceptor: "▲", satellite: "✦" };
const EMPTY = { type: "FeatureCollection", features: [] };
const LAYERS = ["footprint", "coverage", "reach", "threats", "cities"];
export const LAYER_GROUPS = {
  assets: [],
  cities: ["cities"],
  coverage: ["coverage", "coverage-edge"],
  reach: ["reach"],
  threats: ["threats", "launches"],
  footprint: ["footprint"],
};

export function partyColour(owner) {
  if (!(owner in PARTY_COLOURS)) {
    const used = Object.keys(PARTY_COLOURS).length - 2;
    PARTY_COLOURS[owner] = SPARE_COLOURS[Math.max(used, 0) % SPARE_COLOURS.length];
  }
  return PARTY_COLOURS[owner];
}

export function assetIcon(classKind) {
  return ICONS[classKind] || "●";
}

function ownerColourExpression() {
  const known = Object.entries(PARTY_COLOURS).flat();
  return ["match", ["get", "owner"], ...known, "#555"];
}

function style(world) {
  return {
    version: 8,
    sources: { world: { type: "geojson", data: world } },
    layers: [
      { id: "sea", type: "background", paint: { "background-color": "#dce9f2" } },
      { id: "land", type: "fill", source: "world", paint: { "fill-color": "#f4f1ea" } },
      { id: "borders", type: "line", source: "world", paint: { "line-color": "#b9b4a8", "line-width": 0.6 } },
    ],
  };
}

// A map showing one evaluation. `options.draggable` and `options.onMove` make the assets movable;
// `options.onPick` is called with (layer, properties) when anything is clicked.
export class RoofMap {
  constructor(container, world, options = {}) {
    this.options = options;
    this.markers = new Map();
    this.map = new maplibregl.Map({
      container,
      style: style(world),
      center: [34, 45],
      zoom: options.zoom ?? 2.7,
      attributionControl: false,
      // An architecture across the Pacific (Alaska and Kamchatka) is framed across the antimeridian,
      // east of 180° (see `frame`), so the map draws past it; what is read off the map (a click, a
      // drag) is wrapped back to ±180°.
      renderWorldCopies: true,
      // On a touch screen the map fills the width of the page: one finger scrolls the page past it,
      // two move the map (a swipe that only panned the map left a reader stuck on it).
      cooperativeGestures: options.cooperativeGestures ?? window.matchMedia("(pointer: coarse)").matches,
    });
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
    this.map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    this.popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, maxWidth: "280px" });
    this.ready = new Promise((resolve) => this.map.on("load", () => { this.addLayers(); resolve(); }));
  }

  addLayers() {
    const m = this.map;
    for (const name of LAYERS) m.addSource(name, { type: "geojson", data: EMPTY });
    const owner = ownerColourExpression();
    m.addLayer({ id: "footprint", type: "fill", source: "footprint", paint: {
      "fill-color": ["case", ["get", "defended"], "#1a9850", "#d73027"], "fill-opacity": 0.28 } });
    m.addLayer({ id: "coverage", type: "fill", source: "coverage", paint: { "fill-color": owner, "fill-opacity": 0.07 } });
    m.addLayer({ id: "coverage-edge", type: "line", source: "coverage", paint: { "line-color": owner, "line-width": 1, "line-opacity": 0.7 } });
    m.addLayer({ id: "reach", type: "line", source: "reach", paint: {
      "line-color": owner, "line-width": 1.6, "line-dasharray": [3, 2] } });
    m.addLayer({ id: "threats", type: "line", source: "threats", filter: ["==", ["geometry-type"], "LineString"], paint: {
      "line-color": ["case", ["get", "engageable"], "#e08214", "#5e3c99"], "line-width": 1.2, "line-opacity": 0.75 } });
    m.addLayer({ id: "launches", type: "circle", source: "threats", filter: ["==", ["geometry-type"], "Point"], paint: {
      "circle-radius": 6, "circle-color": "#222", "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } });
    m.addLayer({ id: "cities", type: "circle", source: "cities", paint: {
      "circle-radius": 4.5, "circle-stroke-color": "#fff", "circle-stroke-width": 1,
      "circle-color": ["match", ["get", "status"], ...Object.entries(STATUS_COLOURS).flat(), "#777"] } });
    for (const layer of ["cities", "launches", "threats", "reach", "coverage", "footprint"]) {
      m.on("mousemove", layer, (e) => this.hover(layer, e));
      m.on("mouseleave", layer, () => { m.getCanvas().style.cursor = ""; this.popup.remove(); });
    }
    m.on("click", (e) => {
      if (this.options.onMapClick && this.options.onMapClick(e.lngLat.wrap())) return;
      const hits = m.queryRenderedFeatures(e.point, { layers: ["cities", "launches", "threats", "coverage", "reach", "footprint"] });
      if (hits.length && this.options.onPick) this.options.onPick(hits[0].layer.id, hits[0].properties);
    });
  }

  hover(layer, e) {
    const f = e.features[0];
    this.map.getCanvas().style.cursor = "pointer";
    this.popup.setLngLat(e.lngLat).setHTML(summary(layer, f.properties)).addTo(this.map);
  }

  async show(result) {
    await this.ready;
    for (const name of LAYERS) this.map.getSource(name).setData(result[name] || EMPTY);
    // The owner colours may have grown with a new party: refresh the expressions.
    const owner = ownerColourExpression();
    for (const [layer, prop] of [["coverage", "fill-color"], ["coverage-edge", "line-color"], ["reach", "line-color"]]) {
      this.map.setPaintProperty(layer, prop, owner);
    }
    this.showAssets(result.assets || EMPTY);
  }

  showAssets(assets) {
    const seen = new Set();
    const stacked = new Map();
    for (const f of assets.features) {
      if (!f.geometry) continue;  // a satellite: no ground site to draw
      const p = f.properties;
      seen.add(p.id);
      const key = f.geometry.coordinates.join(",");
      const offset = stacked.get(key) || 0;
      stacked.set(key, offset + 1);
      let marker = this.markers.get(p.id);
      if (!marker) {
        const el = document.createElement("div");
        el.className = "asset-marker";
        el.addEventListener("click", (ev) => { ev.stopPropagation(); this.options.onPick?.("asset", marker.props); });
        el.addEventListener("mouseenter", () => this.popup.setLngLat(marker.getLngLat()).setHTML(summary("asset", marker.props)).addTo(this.map));
        el.addEventListener("mouseleave", () => this.popup.remove());
        marker = new maplibregl.Marker({ element: el, draggable: Boolean(this.options.draggable) });
        marker.on("dragstart", () => this.popup.remove());
        marker.on("dragend", () => {
          const { lat, lng } = marker.getLngLat().wrap();
          this.options.onMove?.(marker.props.id, [round(lat), round(lng)]);
        });
        marker.setLngLat(f.geometry.coordinates).addTo(this.map);
        this.markers.set(p.id, marker);
      }
      marker.props = p;
      marker.setLngLat(f.geometry.coordinates);
      marker.setOffset([offset * 12, -offset * 4]);
      const el = marker.getElement();
      el.textContent = assetIcon(p.class_kind);
      el.style.color = partyColour(p.owner);
      el.dataset.assetId = p.id;
      el.title = `${p.id} (${p.kind}, ${p.owner})`;
      el.classList.toggle("off", Boolean(p.switched_off));
      el.classList.toggle("changed", Boolean(p.added || p.moved));
    }
    for (const [id, marker] of this.markers) {
      if (!seen.has(id)) { marker.remove(); this.markers.delete(id); }
    }
  }

  setGlobe(on) {
    this.ready.then(() => this.map.setProjection({ type: on ? "globe" : "mercator" }));
  }

  // Frames `bounds` ([[west, south], [east, north]], see `frame`) at once, without an animation.
  fit(bounds) {
    if (bounds) this.ready.then(() => this.map.fitBounds(bounds, { padding: 36, duration: 0, maxZoom: 5 }));
  }

  flyTo(coordinates) {
    this.map.easeTo({ center: coordinates, zoom: Math.max(this.map.getZoom(), 4) });
  }

  resize() { this.map.resize(); }

  // Shows or hides a group of layers (the legend's check boxes); markers are the "assets" group.
  setVisible(group, on) {
    if (group === "assets") {
      for (const marker of this.markers.values()) marker.getElement().style.display = on ? "" : "none";
      return;
    }
    this.ready.then(() => {
      for (const layer of LAYER_GROUPS[group] ?? []) this.map.setLayoutProperty(layer, "visibility", on ? "visible" : "none");
    });
  }
}

function round(x) { return Math.round(x * 1e4) / 1e4; }

// The box around what the reader needs at once in `results` (one or more evaluations): the assets,
// the threats' tracks and launch regions, the footprint and the cities in reach (not the radar fans
// or the cities out of range, which reach far beyond); null when there is nothing to frame. Without
// it a narrow window showed a fixed centre with the launch regions off the edge. Its longitudes are
// the shortest span that holds them all, across the antimeridian where that is shorter (Alaska and
// Kamchatka: 158° E to 214°, not the 304° from 146° W round to 158° E); east then passes 180°.
export function frame(...results) {
  const longitudes = [];
  let [south, north] = [Infinity, -Infinity];
  const take = ([lon, lat]) => {
    longitudes.push(((((lon + 180) % 360) + 360) % 360) - 180);
    south = Math.min(south, lat); north = Math.max(north, lat);
  };
  const add = (geometry) => {
    if (geometry?.type === "Point") take(geometry.coordinates);
    else if (geometry?.type === "LineString") geometry.coordinates.forEach(take);
    else if (geometry?.type === "Polygon") geometry.coordinates[0].forEach(take);
  };
  for (const result of results) {
    for (const name of ["assets", "threats", "footprint"]) for (const f of result[name]?.features ?? []) add(f.geometry);
    for (const f of result.cities?.features ?? []) if (f.properties.status !== "out-of-range") add(f.geometry);
  }
  if (!longitudes.length) return null;
  longitudes.sort((a, b) => a - b);
  // the circle less its widest gap between neighbouring longitudes
  const last = longitudes[longitudes.length - 1];
  let [west, east, gap] = [longitudes[0], last, longitudes[0] + 360 - last];
  for (let i = 1; i < longitudes.length; i += 1) {
    if (longitudes[i] - longitudes[i - 1] > gap) {
      [west, east, gap] = [longitudes[i], longitudes[i - 1] + 360, longitudes[i] - longitudes[i - 1]];
    }
  }
  return [[west, south], [east, north]];
}

export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function summary(layer, p) {
  const e = escapeHtml;
  switch (layer) {
    case "cities": return `<b>${e(p.label || p.name)}</b><br>${e(String(p.status).replace(/-/g, " "))}`;
    case "launches": return `<b>Launch region</b><br>${e(p.threat)} · ${e(p.missile)}`;
    case "threats": return `<b>${e(p.threat_id)}</b><br>${e(p.missile)} · ${p.engageable ? "engageable" : "not engageable"}`;
    case "coverage": return `<b>${e(p.id)}</b> radar coverage<br>${Math.round(p.range_km)} km against this threat`;
    case "reach": return `<b>${e(p.id)}</b> interceptor reach<br>${Math.round(p.range_km)} km ground range`;
    case "footprint": return p.defended ? "Defended cell" : "Threatened, undefended cell";
    case "asset": return `<b>${e(p.id)}</b><br>${e(p.kind)} · ${e(p.owner)}${p.switched_off ? " · switched off" : ""}`;
    default: return "";
  }
}
