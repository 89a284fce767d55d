// Cases on the map: a diamond per open case (red halo when overdue), case areas, the
// emergency radius ring, and the polygon being drawn for a case opened from an area. Added
// beside the existing overlays, under the vessels, once the map has loaded.

import { casePoint, isOpen, isOverdue } from "./case_model.js";
import { circlePolygon } from "./patrol_model.js";

const EMPTY = { type: "FeatureCollection", features: [] };
const PRIORITY_COLORS = { critical: "#c92a2a", high: "#e8590c", normal: "#1971c2", low: "#868e96" };

export class CaseLayer {
  constructor(mapView) {
    this.mapView = mapView;
    this.map = mapView.map;
    this.onCaseClick = null;
    this.installed = false;
  }

  install() {
    const map = this.map;
    for (const id of ["case-areas", "case-points", "case-ring", "case-draw"]) map.addSource(id, { type: "geojson", data: EMPTY });
    const before = map.getLayer("vessel-vectors") ? "vessel-vectors" : undefined;
    const color = ["match", ["get", "priority"], ...Object.entries(PRIORITY_COLORS).flat(), "#1971c2"];
    map.addLayer({ id: "case-area-fill", type: "fill", source: "case-areas", paint: { "fill-color": color, "fill-opacity": 0.1 } }, before);
    map.addLayer({ id: "case-area-line", type: "line", source: "case-areas", paint: { "line-color": color, "line-width": 2 } }, before);
    map.addLayer({ id: "case-ring-fill", type: "fill", source: "case-ring", paint: { "fill-color": "#e03131", "fill-opacity": 0.06 } }, before);
    map.addLayer({ id: "case-ring-line", type: "line", source: "case-ring", paint: { "line-color": "#e03131", "line-width": 2.5, "line-dasharray": [4, 2] } }, before);
    map.addLayer({
      id: "case-overdue", type: "circle", source: "case-points", filter: ["get", "overdue"],
      paint: { "circle-radius": 15, "circle-color": "rgba(224,49,49,0.18)", "circle-stroke-width": 2, "circle-stroke-color": "#e03131" },
    }, before);
    map.addLayer({
      id: "case-points", type: "circle", source: "case-points",
      paint: { "circle-radius": 7, "circle-color": color, "circle-stroke-width": 2, "circle-stroke-color": "#ffffff" },
    });
    map.addLayer({ id: "case-draw-fill", type: "fill", source: "case-draw", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": "#f08c00", "fill-opacity": 0.15 } });
    map.addLayer({ id: "case-draw-line", type: "line", source: "case-draw", paint: { "line-color": "#f08c00", "line-width": 2, "line-dasharray": [2, 1] } });
    map.addLayer({ id: "case-draw-points", type: "circle", source: "case-draw", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 4, "circle-color": "#f08c00" } });
    map.on("click", "case-points", (e) => this.onCaseClick?.(e.features[0].properties.id));
    map.on("mouseenter", "case-points", () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", "case-points", () => (map.getCanvas().style.cursor = ""));
    this.installed = true;
    if (this.pending) this.setCases(...this.pending);
  }

  /** Open cases as points and areas; `vesselOf` places a case that has only a vessel. */
  /** False before the map has loaded and after it was removed (a view torn down). */
  live() {
    return this.installed && Boolean(this.map.style);
  }

  setCases(cases, vesselOf) {
    if (!this.installed) { this.pending = [cases, vesselOf]; return; }
    if (!this.live()) return;
    const now = Date.now();
    const open = cases.filter(isOpen);
    const points = [];
    for (const c of open) {
      const p = casePoint(c, vesselOf);
      if (p) points.push({ type: "Feature", geometry: { type: "Point", coordinates: p }, properties: { id: c.id, priority: c.priority, overdue: isOverdue(c, now) } });
    }
    const areas = open.filter((c) => c.area && c.area.type !== "Point").map((c) => ({ type: "Feature", geometry: c.area, properties: { id: c.id, priority: c.priority } }));
    this.map.getSource("case-points")?.setData({ type: "FeatureCollection", features: points });
    this.map.getSource("case-areas")?.setData({ type: "FeatureCollection", features: areas });
  }

  /** The emergency ring around [lon, lat] (null removes it). */
  setRing(center, radiusNm) {
    if (!this.live()) return;
    const data = center ? { type: "FeatureCollection", features: [{ type: "Feature", geometry: circlePolygon(center, radiusNm), properties: {} }] } : EMPTY;
    this.map.getSource("case-ring")?.setData(data);
  }

  setDraft(points) {
    if (!this.live()) return;
    const features = points.map((p) => ({ type: "Feature", geometry: { type: "Point", coordinates: p }, properties: {} }));
    if (points.length >= 3) features.push({ type: "Feature", geometry: { type: "Polygon", coordinates: [[...points, points[0]]] }, properties: {} });
    else if (points.length === 2) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: points }, properties: {} });
    this.map.getSource("case-draw")?.setData({ type: "FeatureCollection", features });
  }
}

/**
 * Let the user click points on the map: `onPoint` after each, `onDone(points)` on
 * double-click, Enter or finish(); Esc cancels. Returns a handle with finish() and cancel().
 */
export function pickPoints(map, { onPoint, onDone, onCancel, single = false }) {
  const points = [];
  const canvas = map.getCanvas();
  const previousCursor = canvas.style.cursor;
  canvas.style.cursor = "crosshair";
  map.doubleClickZoom.disable();
  const click = (e) => {
    const p = [Math.round(e.lngLat.lng * 1e6) / 1e6, Math.round(e.lngLat.lat * 1e6) / 1e6];
    const last = points[points.length - 1];
    if (last && Math.abs(last[0] - p[0]) < 1e-5 && Math.abs(last[1] - p[1]) < 1e-5) return; // a double-click's clicks
    points.push(p);
    onPoint?.(points);
    if (single) finish();
  };
  // finish on a double-click at the last corner (two quick clicks at two corners are two corners)
  const dbl = (e) => {
    e.preventDefault();
    const last = points[points.length - 1];
    const p = last && map.project(last);
    if (!p || Math.hypot(p.x - e.point.x, p.y - e.point.y) < 8) finish();
  };
  const key = (e) => { if (e.key === "Escape") cancel(); if (e.key === "Enter") finish(); };
  const stop = () => {
    map.off("click", click);
    map.off("dblclick", dbl);
    window.removeEventListener("keydown", key);
    canvas.style.cursor = previousCursor;
    setTimeout(() => map.doubleClickZoom.enable(), 0);
  };
  function finish() { stop(); onDone?.(points); }
  function cancel() { stop(); onCancel?.(); }
  map.on("click", click);
  map.on("dblclick", dbl);
  window.addEventListener("keydown", key);
  return { finish, cancel, points };
}
