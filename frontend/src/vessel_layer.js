// The live vessel picture on the map: one GeoJSON source of points drawn by WebGL symbol
// layers (never DOM markers, which stop being smooth long before 10,000 vessels), and one of
// predicted-course vectors. Updates mutate the features in place; the sources are re-sent to
// MapLibre's worker at most once per animation frame however many messages arrived. No
// symbol-sort-key: sorting 10,000 symbols per tile made each tick's re-layout ~1.5x slower.

import { categoryOf, colorExpression } from "./shiptypes.js";
import { deadReckon } from "./geo.js";
import { addVesselIcons, labelExpression } from "./icons.js";
import { toMillis } from "./i18n.js";

const EMPTY = { type: "FeatureCollection", features: [] };
export const VESSEL_LAYERS = ["vessel-vectors", "vessel-icons", "vessel-labels"];

/** Heading when the ship reports one, else course over ground; null draws a circle. */
export function rotationOf(v) {
  if (v.heading !== null && v.heading !== undefined) return v.heading;
  if (v.course !== null && v.course !== undefined) return v.course;
  return null;
}

export class VesselLayer {
  /**
   * @param {maplibregl.Map} map
   * @param {{staleSeconds?: number, vectorMinutes?: number, patrol?: Set<number>, home?: string|null, now?: () => number}} options
   */
  constructor(map, { staleSeconds = 360, vectorMinutes = 6, patrol = new Set(), home = null, now = Date.now } = {}) {
    this.map = map;
    this.home = home; // an office view's office: vessels outside its cells are faded
    this.staleSeconds = staleSeconds;
    this.vectorMinutes = vectorMinutes;
    this.patrol = patrol;
    this.now = now;
    this.records = new Map(); // mmsi -> {data, feature}
    this.pending = false;
    this.listeners = new Set();
  }

  install(beforeLayer) {
    const map = this.map;
    addVesselIcons(map);
    map.addSource("vessels", { type: "geojson", data: EMPTY, buffer: 16, tolerance: 0 });
    // Small tile buffers: the worker re-tiles every source on each tick, and a buffer only
    // matters for shapes crossing tile edges (icons a few pixels wide, straight vectors).
    map.addSource("vessel-vectors", { type: "geojson", data: EMPTY, buffer: 4 });
    // Stale or outside the office's waters (an office view): drawn faintly, not hidden. An
    // office watches the ships about to cross its border; hiding them would make them pop
    // into existence at the line.
    const fade = ["case", ["get", "stale"], 0.35, ["get", "away"], 0.3, 1];
    // Labels fade less: at 0.75 the name still reads at 5.7:1 on water (WCAG AA; 0.3 gave
    // 1.8:1), while the faint icon already says "not ours" or "not heard lately".
    const labelFade = ["case", ["any", ["get", "stale"], ["get", "away"]], 0.75, 1];
    map.addLayer({
      id: "vessel-vectors", type: "line", source: "vessel-vectors", minzoom: 9,
      paint: { "line-color": colorExpression(), "line-width": 1.6, "line-opacity": fade },
    }, beforeLayer);
    map.addLayer({
      id: "vessel-icons", type: "symbol", source: "vessels",
      layout: {
        "icon-image": ["get", "icon"],
        "icon-rotate": ["coalesce", ["get", "rot"], 0],
        "icon-rotation-alignment": "map",
        "icon-allow-overlap": true,
        "icon-ignore-placement": true,
        "icon-size": ["interpolate", ["linear"], ["zoom"], 7, 0.4, 10, 0.55, 13, 0.85, 16, 1.1],
      },
      paint: {
        "icon-color": colorExpression(),
        "icon-halo-color": "rgba(16,32,48,0.9)",
        "icon-halo-width": 1,
        "icon-opacity": fade,
      },
    }, beforeLayer);
    map.addLayer({
      id: "vessel-labels", type: "symbol", source: "vessels", minzoom: 11,
      layout: {
        "icon-image": labelExpression("vessel", "label"),
        "icon-anchor": "left",
        "icon-offset": [12, 0],
        "icon-padding": 1,
      },
      paint: { "icon-opacity": labelFade },
    }, beforeLayer);
  }

  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Apply one `positions` message (snapshot or changes); returns how many were touched. */
  apply(message) {
    const now = this.now();
    for (const v of message.vessels || []) this.upsert(v, now);
    for (const mmsi of message.removed || []) this.records.delete(mmsi);
    this.schedule();
    return (message.vessels?.length || 0) + (message.removed?.length || 0);
  }

  upsert(v, now) {
    let record = this.records.get(v.mmsi);
    if (!record) {
      record = { data: {}, feature: { type: "Feature", id: v.mmsi, geometry: { type: "Point", coordinates: [0, 0] }, properties: {} } };
      this.records.set(v.mmsi, record);
    }
    Object.assign(record.data, v);
    this.describe(record, now);
  }

  describe(record, now) {
    const d = record.data;
    const p = record.feature.properties;
    const rot = rotationOf(d);
    record.feature.geometry.coordinates = [d.lon, d.lat];
    p.mmsi = d.mmsi;
    p.rot = rot;
    p.icon = rot === null ? "dot" : "ship";
    p.cat = this.patrol.has(d.mmsi) ? "patrol" : categoryOf(d.ship_type);
    p.stale = this.isStale(d, now);
    p.away = this.home !== null && d.office !== this.home && p.cat !== "patrol";
    p.label = d.name || d.shipname || String(d.mmsi);
    record.vector = this.vectorOf(d, p);
  }

  isStale(d, now) {
    const ts = toMillis(d.ts);
    return !Number.isNaN(ts) && now - ts > this.staleSeconds * 1000;
  }

  vectorOf(d, p) {
    if (d.speed == null || d.course == null || d.speed < 0.5) return null;
    const end = deadReckon(d.lat, d.lon, d.speed, d.course, this.vectorMinutes);
    return { type: "Feature", geometry: { type: "LineString", coordinates: [[d.lon, d.lat], end] }, properties: p };
  }

  /** Re-evaluate staleness (time passes without messages) and redraw. */
  refresh() {
    const now = this.now();
    for (const record of this.records.values()) this.describe(record, now);
    this.schedule();
  }

  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => this.pending && this.flush());
  }

  /** Send the current picture to MapLibre now (the benchmark calls this directly). */
  flush() {
    this.pending = false;
    const points = [];
    const vectors = [];
    for (const record of this.records.values()) {
      points.push(record.feature);
      if (record.vector) vectors.push(record.vector);
    }
    this.map.getSource("vessels")?.setData({ type: "FeatureCollection", features: points });
    this.map.getSource("vessel-vectors")?.setData({ type: "FeatureCollection", features: vectors });
    for (const listener of this.listeners) listener(this);
  }

  get(mmsi) {
    return this.records.get(mmsi)?.data;
  }

  get size() {
    return this.records.size;
  }

  clear() {
    this.records.clear();
    this.schedule();
  }

  setVisible(visible) {
    for (const id of VESSEL_LAYERS) this.map.setLayoutProperty(id, "visibility", visible ? "visible" : "none");
  }
}
