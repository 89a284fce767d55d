// The panel of one vessel: static and dynamic data, its cell and office, its recent alerts,
// and its track over a chosen time range drawn on the map.

import { api } from "./api.js";
import { clear, h, options } from "./dom.js";
import { formatDateTime, formatLatLon, formatLatLonDecimal, t, units } from "./i18n.js";
import { categoryOf } from "./shiptypes.js";

const RANGES = [30, 60, 180, 360, 1440]; // minutes of track to draw

export class VesselPanel {
  constructor(mapView, { officeName, alertsOf, extras = null, radar = null }) {
    this.mapView = mapView;
    this.extras = extras; // (mmsi) => element: the vessel's cases and "open case"
    this.radar = radar; // RadarLayer: which radars see the vessel (radar/radar_layer.js)
    this.officeName = officeName;
    this.alertsOf = alertsOf;
    this.mmsi = null;
    this.range = h("select", { name: "track-range", onchange: () => this.drawTrack() });
    this.body = h("div.body");
    this.trackInfo = h("span.track-info");
    this.element = h("aside.vessel-panel", { hidden: true, "aria-label": "vessel" },
      h("button.close", { type: "button", "data-i18n-title": "action.close", onclick: () => this.close() }, "×"),
      this.body,
      h("div.track", {}, h("label", {}, h("span", { "data-i18n": "vessel.track" }, t("vessel.track")), this.range), this.trackInfo));
    this.relabel();
    window.addEventListener("langchange", () => {
      this.relabel();
      if (!this.mmsi) return;
      this.render(this.detail);
      if (this.trackCount != null) this.trackInfo.textContent = t("vessel.track_points", { n: this.trackCount });
    });
    mapView.vessels.onChange(() => this.follow());
    radar?.onChange(() => this.mmsi && this.detail && this.render(this.detail));
  }

  /** Keep speed, course and position current while the panel is open. */
  follow() {
    const live = this.mmsi && this.detail ? this.mapView.vessels.get(this.mmsi) : null;
    if (!live || live.ts === this.shownTs) return;
    this.shownTs = live.ts;
    this.detail = { ...this.detail, ...live };
    this.render(this.detail);
  }

  relabel() {
    options(this.range, RANGES.map(String), (m) => t("vessel.last_minutes", { n: m }));
    if (!this.range.value) this.range.value = "60";
  }

  async open(mmsi) {
    this.mmsi = mmsi;
    this.element.hidden = false;
    const live = this.mapView.select(mmsi) || {};
    this.render({ ...live, mmsi });
    try {
      this.detail = { ...live, ...(await api(`vessels/${mmsi}`)) };
      if (this.mmsi === mmsi) this.render(this.detail);
    } catch {
      this.detail = { ...live, mmsi };
    }
    const where = this.detail.lat != null ? this.detail : live;
    if (where.lat != null) this.mapView.flyTo(where.lon, where.lat);
    await this.drawTrack();
  }

  render(v) {
    const rows = [
      ["vessel.mmsi", v.mmsi], ["vessel.callsign", v.callsign], ["vessel.imo", v.imo],
      ["vessel.type", v.ship_type != null ? `${t(`shiptype.${categoryOf(v.ship_type)}`)} (${v.ship_type})` : null],
      ["vessel.position", v.lat != null ? formatLatLon(v.lat, v.lon) : null],
      ["vessel.speed", units.knots(v.speed)], ["vessel.course", units.degrees(v.course)],
      ["vessel.heading", units.degrees(v.heading)], ["vessel.status", v.status != null ? t(`navstatus.${v.status}`) : null],
      ["vessel.destination", v.destination], ["vessel.draught", v.draught != null ? units.metres(v.draught) : null],
      ["vessel.length", metres(v.length ?? (v.to_bow != null && v.to_stern != null ? v.to_bow + v.to_stern : null))],
      ["vessel.beam", metres(v.beam ?? (v.to_port != null && v.to_starboard != null ? v.to_port + v.to_starboard : null))],
      ["vessel.cell", v.cell], ["vessel.office", v.office ? this.officeName(v.office) : null],
      ["vessel.last_report", v.ts ? formatDateTime(v.ts) : null],
    ];
    // a vessel that left the live picture (went dark): its last known state, said as such
    const gone = v.live === false && !this.mapView.vessels.get(v.mmsi);
    // Element.append writes a null as the text "null": only the parts there are
    clear(this.body).append(...[
      h("h2.vessel-name", {}, v.name || v.shipname || t("vessel.unnamed")),
      gone ? h("p.not-live", {}, t("vessel.not_live")) : null,
      h("dl", {}, rows.flatMap(([key, value]) => [h("dt", {}, t(key)), h("dd", { dataset: { field: key.split(".")[1] }, title: key === "vessel.position" && v.lat != null ? formatLatLonDecimal(v.lat, v.lon) : null }, value ?? t("value.none"))])),
      this.radarInfo(v.mmsi),
      this.alertList(v.mmsi),
      this.extras ? this.extras(v.mmsi) : null,
    ].flat().filter((part) => part != null && part !== false));
  }

  /** AIS only, or AIS + radar with each radar's distance between the AIS and radar fixes. */
  radarInfo(mmsi) {
    if (!this.radar) return "";
    const seen = this.radar.forVessel(mmsi);
    const lines = seen.map((tr) => t("radar.distance", {
      radar: this.radar.radarName(tr.radar), target: tr.target, distance: units.metres(tr.distance_m),
    }));
    return h("div.vessel-radar", { dataset: { radars: String(seen.length) } },
      h("h3", {}, t("radar.sources"), ": ", t(seen.length ? "radar.sources_both" : "radar.sources_ais")),
      seen.length ? h("ul", {}, lines.map((line) => h("li", {}, line))) : h("p.muted", {}, t("radar.none")));
  }

  alertList(mmsi) {
    const alerts = this.alertsOf(mmsi).slice(0, 8);
    return h("div.vessel-alerts", {}, h("h3", {}, t("vessel.recent_alerts")),
      alerts.length
        ? h("ul", {}, alerts.map((a) => h("li", { dataset: { severity: a.severity } }, `${t(`rule.${a.rule}`)} · ${t(`status.${a.status}`)} · ${formatDateTime(a.raised_at)}`)))
        : h("p.muted", {}, t("alerts.none")));
  }

  async drawTrack() {
    if (!this.mmsi) return;
    const until = new Date();
    const since = new Date(until - Number(this.range.value) * 60000);
    try {
      const points = await this.mapView.showTrack(this.mmsi, since, until);
      this.trackCount = points.length;
      this.trackInfo.textContent = t("vessel.track_points", { n: points.length });
      this.element.dataset.trackPoints = String(points.length);
    } catch (error) {
      this.trackInfo.textContent = t("error.track", { message: error.message });
    }
  }

  close() {
    this.element.hidden = true;
    this.mmsi = null;
    this.mapView.select(null);
    this.mapView.clearTrack();
  }
}

function metres(value) {
  return value ? units.metres(value) : null; // 0 is AIS's "not available"
}
