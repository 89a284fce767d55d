// Radar on the map (CONTRACTS §12, docs/radar.md): the radar sites, radar-only targets with
// their own symbol (an orange diamond: no AIS vessel accounts for the echo) and track, and
// a small radar mark beside AIS vessels a radar also sees. Tentative tracks (younger than
// the clutter age) are faint dots. Polled from GET /api/radar every few seconds: radar
// targets are few next to AIS vessels and have no MMSI for the live vessel stream.

import { api } from "../api.js";
import { formatLatLon, t, units } from "../i18n.js";

const EMPTY = { type: "FeatureCollection", features: [] };
const POLL_MS = 3000;
const START_DELAY_MS = 1500;
const COLOR = "#f76707";
export const RADAR_LAYERS = ["radar-sites", "radar-tracks", "radar-plots", "radar-only", "radar-only-label"];

/** A diamond outline with a dot: the radar-only symbol (drawn, so it needs no sprite). */
function diamondImage(size = 28) {
  const c = document.createElement("canvas");
  c.width = c.height = size;
  const g = c.getContext("2d");
  const m = size / 2;
  g.beginPath();
  g.moveTo(m, 2); g.lineTo(size - 2, m); g.lineTo(m, size - 2); g.lineTo(2, m); g.closePath();
  g.fillStyle = "rgba(255,255,255,0.85)";
  g.fill();
  g.lineWidth = 3;
  g.strokeStyle = COLOR;
  g.stroke();
  g.beginPath();
  g.arc(m, m, 3, 0, 2 * Math.PI);
  g.fillStyle = COLOR;
  g.fill();
  return g.getImageData(0, 0, size, size);
}

export class RadarLayer {
  constructor(mapView, { onError = () => {} } = {}) {
    this.mapView = mapView;
    this.map = mapView.map;
    this.onError = onError;
    this.tracks = [];
    this.radars = [];
    this.listeners = new Set();
    this.timer = null;
    // after the vessels' first snapshot has had the page to itself (the 5 s login budget)
    mapView.loaded.then(() => setTimeout(() => {
      if (this.destroyed) return;
      this.install();
      this.poll();
      this.timer = setInterval(() => this.poll(), POLL_MS);
    }, START_DELAY_MS));
  }

  install() {
    const map = this.map;
    if (!map.hasImage("radar-only")) map.addImage("radar-only", diamondImage(), { pixelRatio: 2 });
    for (const id of ["radar-sites", "radar-tracks", "radar-plots"]) map.addSource(id, { type: "geojson", data: EMPTY });
    map.addLayer({ id: "radar-sites", type: "circle", source: "radar-sites",
      paint: { "circle-radius": 5, "circle-color": "#fff", "circle-stroke-color": "#495057", "circle-stroke-width": 2 } });
    map.addLayer({ id: "radar-tracks", type: "line", source: "radar-tracks",
      paint: { "line-color": COLOR, "line-width": 2, "line-dasharray": [2, 1.5] } });
    map.addLayer({ id: "radar-plots", type: "circle", source: "radar-plots", filter: ["!", ["get", "radar_only"]],
      paint: { "circle-radius": 2.5, "circle-color": "#495057", "circle-opacity": 0.7 } });
    map.addLayer({ id: "radar-only", type: "symbol", source: "radar-plots",
      filter: ["all", ["get", "radar_only"], ["get", "confirmed"]],
      layout: { "icon-image": "radar-only", "icon-allow-overlap": true, "icon-ignore-placement": true } });
    map.addLayer({ id: "radar-only-label", type: "symbol", source: "radar-plots",
      filter: ["all", ["get", "radar_only"], ["get", "confirmed"]], minzoom: 10,
      layout: { "text-field": ["get", "label"], "text-size": 11, "text-offset": [0, 1.7], "text-anchor": "top", "text-allow-overlap": true },
      paint: { "text-color": COLOR, "text-halo-color": "#fff", "text-halo-width": 1.5 } });
    map.on("click", "radar-only", (e) => this.popup(e.features[0].properties, e.lngLat));
    map.on("mouseenter", "radar-only", () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", "radar-only", () => (map.getCanvas().style.cursor = ""));
  }

  async poll() {
    try {
      const data = await api("radar");
      this.radars = data.radars || [];
      this.tracks = data.tracks || [];
      this.draw();
      for (const listener of this.listeners) listener(this);
    } catch (error) {
      if (error.status) this.onError(error);
    }
  }

  draw() {
    const set = (id, data) => this.map.getSource(id)?.setData(data);
    set("radar-sites", { type: "FeatureCollection", features: this.radars.map((r) => ({
      type: "Feature", geometry: { type: "Point", coordinates: [r.lon, r.lat] }, properties: { id: r.id, name: r.name } })) });
    set("radar-plots", { type: "FeatureCollection", features: this.tracks.map((tr) => ({
      type: "Feature", geometry: { type: "Point", coordinates: [tr.lon, tr.lat] },
      properties: { ...tr, track: undefined, label: t("radar.label", { target: tr.target }) } })) });
    set("radar-tracks", { type: "FeatureCollection", features: this.tracks
      .filter((tr) => tr.radar_only && tr.confirmed && tr.track.length > 1)
      .map((tr) => ({ type: "Feature", geometry: { type: "LineString", coordinates: tr.track }, properties: { radar: tr.radar, target: tr.target } })) });
  }

  /** Confirmed radar-only targets (what the diamond marks). */
  radarOnly() {
    return this.tracks.filter((tr) => tr.radar_only && tr.confirmed);
  }

  /** The radar tracks associated with an AIS vessel now. */
  forVessel(mmsi) {
    return this.tracks.filter((tr) => tr.mmsi === mmsi);
  }

  radarName(id) {
    return this.radars.find((r) => r.id === id)?.name || id;
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  popup(p, lngLat) {
    const rows = [
      [t("radar.radar"), this.radarName(p.radar)], [t("radar.target"), `#${p.target}`],
      [t("vessel.position"), formatLatLon(p.lat, p.lon)], [t("vessel.speed"), units.knots(p.speed === "null" ? null : p.speed)],
      [t("vessel.course"), units.degrees(p.course === "null" ? null : p.course)],
    ];
    const body = document.createElement("div");
    body.className = "radar-popup";
    const title = document.createElement("strong");
    title.textContent = t("radar.only_title");
    body.append(title);
    for (const [k, v] of rows) {
      const row = document.createElement("div");
      row.textContent = `${k}: ${v ?? t("value.none")}`;
      body.append(row);
    }
    new maplibregl.Popup({ closeButton: true }).setLngLat(lngLat).setDOMContent(body).addTo(this.map);
  }

  destroy() {
    this.destroyed = true;
    clearInterval(this.timer);
  }
}
