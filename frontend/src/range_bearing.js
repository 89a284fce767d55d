// The range and bearing tool every VTS console has: click two points or two vessels on the
// map; the line between them is drawn with its distance (nm) and true bearing from the first
// to the second. Between two vessels it also gives CPA and TCPA from their SOG/COG, and
// follows them as they move. A vessel end is picked when the click lands on its icon.

import { h } from "./dom.js";
import { bearingDeg, distanceNm } from "./geo.js";
import { formatAge, formatLatLon, t, units } from "./i18n.js";

const SOURCE = "range-bearing";

/** CPA (nm) and TCPA (minutes; negative: the closest point is past) of two vessels under
 * way, on a local flat projection (fine over the few miles a close-quarters check spans). */
export function closestApproach(a, b) {
  if ([a.speed, a.course, b.speed, b.course].some((v) => v == null)) return null;
  const lat0 = (((a.lat + b.lat) / 2) * Math.PI) / 180;
  const dx = (b.lon - a.lon) * 60 * Math.cos(lat0);
  const dy = (b.lat - a.lat) * 60;
  const vel = (v) => [v.speed * Math.sin((v.course * Math.PI) / 180), v.speed * Math.cos((v.course * Math.PI) / 180)];
  const [ax, ay] = vel(a);
  const [bx, by] = vel(b);
  const [rvx, rvy] = [bx - ax, by - ay];
  const rv2 = rvx * rvx + rvy * rvy;
  const hours = rv2 < 1e-9 ? 0 : -(dx * rvx + dy * rvy) / rv2; // same course and speed: now
  return { cpa_nm: Math.hypot(dx + rvx * hours, dy + rvy * hours), tcpa_min: hours * 60 };
}

export class RangeBearing {
  constructor(mapView) {
    this.mapView = mapView;
    this.ends = [];
    this.active = false;
    this.readout = h("div.range-readout", { hidden: true, role: "status", "aria-live": "polite" });
    this.button = h("button.range-tool", { type: "button", "aria-pressed": "false", "data-i18n": "range.tool", onclick: () => this.toggle() }, t("range.tool"));
    mapView.loaded.then(() => this.install());
    mapView.vessels.onChange(() => this.follow());
    window.addEventListener("langchange", () => this.show());
    window.addEventListener("keydown", (e) => e.key === "Escape" && this.active && this.toggle(false));
  }

  install() {
    const map = this.mapView.map;
    map.addSource(SOURCE, { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    map.addLayer({ id: "range-line", type: "line", source: SOURCE, filter: ["==", ["geometry-type"], "LineString"], paint: { "line-color": "#c2255c", "line-width": 2, "line-dasharray": [2, 1] } });
    map.addLayer({ id: "range-ends", type: "circle", source: SOURCE, filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 5, "circle-color": "#fff", "circle-stroke-color": "#c2255c", "circle-stroke-width": 2 } });
    map.on("click", (e) => this.active && this.pick(e));
  }

  toggle(on = !this.active) {
    this.active = on;
    this.mapView.measuring = on; // a click on a vessel picks it instead of opening its panel
    this.button.setAttribute("aria-pressed", String(on));
    this.mapView.map.getCanvas().style.cursor = on ? "crosshair" : "";
    if (!on) this.ends = [];
    this.show();
  }

  pick(e) {
    const [hit] = this.mapView.map.queryRenderedFeatures(e.point, { layers: ["vessel-icons"] });
    const mmsi = hit ? Number(hit.properties.mmsi) : null;
    const end = mmsi ? { mmsi } : { lon: e.lngLat.lng, lat: e.lngLat.lat };
    this.ends = this.ends.length >= 2 ? [end] : [...this.ends, end];
    this.show();
  }

  /** An end's current position (a vessel's moves with it). */
  where(end) {
    return end.mmsi ? this.mapView.vessels.get(end.mmsi) || null : end;
  }

  follow() {
    if (this.ends.some((e) => e.mmsi)) this.show();
  }

  /** {distance_nm, bearing_deg, cpa?} between the two ends, or null. */
  measure() {
    const [a, b] = this.ends.map((e) => this.where(e));
    if (!a || !b) return null;
    const out = { a, b, distance_nm: distanceNm(a.lat, a.lon, b.lat, b.lon), bearing_deg: bearingDeg(a.lat, a.lon, b.lat, b.lon) };
    if (this.ends.every((e) => e.mmsi)) out.cpa = closestApproach(a, b);
    return out;
  }

  show() {
    const points = this.ends.map((e) => this.where(e)).filter(Boolean);
    const features = points.map((p) => ({ type: "Feature", geometry: { type: "Point", coordinates: [p.lon, p.lat] }, properties: {} }));
    if (points.length === 2) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: points.map((p) => [p.lon, p.lat]) }, properties: {} });
    this.mapView.map.getSource(SOURCE)?.setData({ type: "FeatureCollection", features });
    this.readout.hidden = !this.active;
    if (!this.active) return;
    const m = this.measure();
    this.readout.replaceChildren(...(m ? this.lines(m) : [h("span", {}, t(this.ends.length ? "range.second" : "range.first"))]));
  }

  lines(m) {
    const name = (end, p) => (end.mmsi ? p.name || String(end.mmsi) : formatLatLon(p.lat, p.lon));
    const out = [
      h("div.range-ends", {}, `${name(this.ends[0], m.a)} → ${name(this.ends[1], m.b)}`),
      h("strong.range-figures", {}, t("range.result", { distance: units.nm(m.distance_nm), bearing: units.degrees(m.bearing_deg) })),
    ];
    if (m.cpa) {
      const when = m.cpa.tcpa_min < 0 ? t("range.past") : formatAge(m.cpa.tcpa_min * 60);
      out.push(h("div.range-cpa", {}, t("range.cpa", { cpa: units.nm(m.cpa.cpa_nm), tcpa: when })));
    } else if (this.ends.every((e) => e.mmsi)) out.push(h("div.range-cpa", {}, t("range.no_motion")));
    return out;
  }
}
