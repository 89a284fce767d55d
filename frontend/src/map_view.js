// The map shared by every view: basemap, overlays, the live vessel layer fed by /ws/live,
// layer toggles and vessel selection. Views add their own panels around it.

import { api } from "./api.js";
import { baseStyle, boundsOf } from "./basemap.js";
import { installLabelImages } from "./icons.js";
import { LiveClient, mapBbox } from "./live.js";
import { alertFeatures, GROUPS, installOverlayLabels, installOverlays, setGroupVisible, setSource, trackFeatures } from "./overlays.js";
import { VesselLayer } from "./vessel_layer.js";
import { language } from "./i18n.js";

const LABEL_STYLES = {
  vessel: { color: "#102a43", size: 11 },
  cell: { color: "#364fc7", size: 11 },
  zone: { color: "#862e9c", size: 12 },
};

const MIN_ZOOM = 7; // a whole municipal jurisdiction (~100 km) on one screen
const MAX_ZOOM = 17; // a berth; AIS positions are not better than that
const TILE_MARGIN_DEG = 1.0;

/** Where the view may go: the basemap extract's extent, else the cells' plus a margin. */
export function viewLimit(land, cells) {
  const extent = land ? boundsOf(land) : null;
  if (extent) return extent;
  const b = cells ? boundsOf(cells) : null;
  if (!b) return null;
  const m = TILE_MARGIN_DEG;
  return [[b[0][0] - m, b[0][1] - m], [b[1][0] + m, b[1][1] + m]];
}

export class MapView {
  /**
   * `homeOffice`: an office view's office (vessels outside its cells faded); `limit`: [w, s, e, n]
   * the live subscription never goes beyond (an office's waters), whatever the view shows.
   */
  constructor(container, { ui, land, cells, zones, offices, patrol = new Set(), token, onStatus, homeOffice = null, limit = null }) {
    this.ui = ui;
    this.limit = limit;
    this.cells = cells;
    this.zones = zones;
    this.offices = offices;
    this.visible = { vessels: true, cells: true, zones: true, tracks: true, alerts: true };
    const attribution = land?.features?.[0]?.properties?.attribution || "© OpenStreetMap contributors";
    this.map = new maplibregl.Map({
      container,
      style: baseStyle({ tileUrl: ui.tile_url, land, attribution }),
      bounds: (this.home = boundsOf(cells) || [[118.3, 24.4], [119.3, 25.3]]),
      fitBoundsOptions: { padding: 20 },
      // The offline basemap is a coastline extract: outside it there is no land, only the
      // water background, so the view is kept inside it (MapLibre then stops zooming out
      // once the extract fills the screen). Raster tiles cover more: the jurisdiction plus
      // a margin is enough there.
      maxBounds: viewLimit(ui.tile_url ? null : land, cells),
      minZoom: MIN_ZOOM,
      maxZoom: MAX_ZOOM,
      attributionControl: { compact: true },
      dragRotate: false,
      pitchWithRotate: false,
      fadeDuration: 0,
    });
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "bottom-right");
    this.map.addControl(new maplibregl.ScaleControl({ unit: "nautical" }), "bottom-left");
    installLabelImages(this.map, LABEL_STYLES);
    this.vessels = new VesselLayer(this.map, { patrol, home: homeOffice });
    this.vessels.onChange(() => this.selected && this.select(this.selected)); // the ring follows the ship
    this.live = new LiveClient(token, {
      onPositions: (m) => {
        if (this.live.paused) return; // a history replay owns the map
        if (m.snapshot) this.vessels.records.clear();
        this.vessels.apply(m);
      },
      onStatus,
    });
    // Views build the map before they attach it; follow the container's real size.
    new ResizeObserver(() => this.map.resize()).observe(container);
    this.loaded = new Promise((resolve) => this.map.on("load", () => { this.install(); resolve(); }));
    const refresh = setInterval(() => this.vessels.refresh(), 15000);
    this.map.on("remove", () => clearInterval(refresh)); // leaving the view (e.g. for #/reports)
  }

  install() {
    this.map.resize();
    this.map.fitBounds(this.home, { padding: 20, duration: 0 });
    installOverlays(this.map, { offices: this.offices });
    this.vessels.install();
    installOverlayLabels(this.map);
    this.setCells(this.cells);
    this.setZones(this.zones);
    this.map.on("moveend", () => this.live.subscribe(this.liveBbox()));
    this.map.on("click", "vessel-icons", (e) => !this.measuring && this.onVesselClick?.(e.features[0].properties.mmsi));
    this.map.on("mouseenter", "vessel-icons", () => (this.map.getCanvas().style.cursor = "pointer"));
    this.map.on("mouseleave", "vessel-icons", () => (this.map.getCanvas().style.cursor = ""));
    this.live.bbox = this.liveBbox();
    this.live.connect();
    const relabel = () => this.setZones(this.zones);
    window.addEventListener("langchange", relabel);
    this.map.on("remove", () => window.removeEventListener("langchange", relabel));
  }

  /** The box to subscribe to: the map's, cut to `limit` (all of `limit` when they miss). */
  liveBbox() {
    const box = mapBbox(this.map);
    if (!this.limit) return box;
    const [w, s, e, n] = this.limit;
    const cut = [Math.max(box[0], w), Math.max(box[1], s), Math.min(box[2], e), Math.min(box[3], n)];
    return cut[0] < cut[2] && cut[1] < cut[3] ? cut : [...this.limit];
  }

  setCells(cells) {
    this.cells = cells;
    setSource(this.map, "cells", cells);
  }

  setZones(zones) {
    const en = language() === "en";
    const labelled = {
      ...zones,
      features: zones.features.map((f) => ({ ...f, properties: { ...f.properties, label: (en && f.properties.name_en) || f.properties.name || f.properties.id } })),
    };
    setSource(this.map, "zones", labelled);
  }

  setAlerts(alerts) {
    setSource(this.map, "alerts", alertFeatures(alerts));
  }

  toggle(group, visible) {
    this.visible[group] = visible;
    if (group === "vessels") this.vessels.setVisible(visible);
    else setGroupVisible(this.map, group, visible);
  }

  groups() {
    return ["vessels", ...Object.keys(GROUPS)];
  }

  select(mmsi) {
    this.selected = mmsi;
    const v = this.vessels.get(mmsi);
    const data = v ? { type: "FeatureCollection", features: [{ type: "Feature", geometry: { type: "Point", coordinates: [v.lon, v.lat] }, properties: {} }] } : null;
    setSource(this.map, "selection", data);
    return v;
  }

  flyTo(lon, lat, zoom = 12) {
    this.map.flyTo({ center: [lon, lat], zoom: Math.max(this.map.getZoom(), zoom), speed: 2.4 });
  }

  async showTrack(mmsi, since, until) {
    const data = await api(`vessels/${mmsi}/track`, { params: { since: since.getTime() / 1000, until: until.getTime() / 1000 } });
    const points = Array.isArray(data) ? data : data.points ?? data.track ?? data.items ?? [];
    setSource(this.map, "track", trackFeatures(points));
    return points;
  }

  clearTrack() {
    setSource(this.map, "track", null);
  }
}
