// The centre's operator console and an office's view: the same map and alert panel, the
// office view limited to its own cells and alerts with the oldest open alert on top, and to
// the vessels of its waters: it subscribes only to its cells' extent (plus a margin) and
// fades the vessels outside its cells rather than hiding them.

import { api } from "../api.js";
import { boundsOf } from "../basemap.js";
import { AlertPanel } from "../alert_panel.js";
import { officeCounts } from "../alert_list.js";
import { clear, h } from "../dom.js";
import { formatNumber, t } from "../i18n.js";
import { MapView } from "../map_view.js";
import { Replay } from "../replay.js";
import { SearchBox } from "../search.js";
import { topBar } from "../shell.js";
import { VesselPanel } from "../vessel_panel.js";
import { officeColors } from "../overlays.js";
import { CaseDesk } from "../cases/desk.js";
import { InfoCentrePanel } from "../infocentre/panel.js";
import { attachVesselLinks } from "../infocentre/vessel_links.js";
import { RadarLayer } from "../radar/radar_layer.js";
import { DensityLayer } from "../safety_report/density_layer.js";
import { RangeBearing } from "../range_bearing.js";

export function renderOperations(ctx, { mode, office = null }) {
  const { root, user, offices } = ctx;
  const cells = office ? { ...ctx.cells, features: ctx.cells.features.filter((f) => f.properties.office === office) } : ctx.cells;
  const mapEl = h("div.map");
  let desk = null; // the case desk needs the alert and vessel panels, which show its cases
  const mapView = new MapView(mapEl, { ...ctx, cells, token: ctx.token, onStatus: (s) => bar.setStatus(s), homeOffice: office, limit: office ? officeLimit(cells) : null });
  const panel = new AlertPanel({
    mode, offices, officeName: ctx.officeName, fixedOffice: office, role: user.role, zones: ctx.zones,
    vesselName: (mmsi) => mapView.vessels.get(mmsi)?.name || null, onSelect: (a) => focusAlert(a), flashTarget: root,
    decorate: (a) => (desk ? desk.alertExtras(a) : []),
    decorateKey: (a) => (desk ? desk.alertKey(a) : null),
  });
  // A refused action (403, 409...) says why instead of failing silently.
  panel.element.addEventListener("error", (e) => ctx.showError(e.detail));
  const radar = new RadarLayer(mapView, { onError: ctx.showError });
  const vesselPanel = new VesselPanel(mapView, { officeName: ctx.officeName, alertsOf: (mmsi) => panel.list.filtered({ mmsi }), extras: (mmsi) => desk?.vesselExtras(mmsi), radar });
  desk = new CaseDesk(ctx, { mode, office, mapView, alertPanel: panel, vesselPanel });
  const search = new SearchBox(mapView.vessels, (mmsi) => vesselPanel.open(mmsi), ctx.ui.patrol_vessels || [],
    (place) => place.bbox && mapView.map.fitBounds([[place.bbox[0], place.bbox[1]], [place.bbox[2], place.bbox[3]]], { padding: 60, maxZoom: 14, duration: 400 }));
  mapView.onVesselClick = (mmsi) => vesselPanel.open(mmsi);
  mapView.live.onAlert = (alert, message) => panel.push(alert, message);
  mapView.live.onCase = (c) => desk.push(c);
  mapView.live.onInstruction = (m) => desk.pushInstruction(m);
  const replay = new Replay(mapView, { staleSeconds: ctx.ui.stale_after || 600, onAlerts: (alerts) => mapView.setAlerts(alerts ?? panel.visible()) });
  const replayButton = h("button.replay-open", { type: "button", "data-i18n": "replay.title", onclick: () => replay.open() }, t("replay.title"));
  const titleKey = office ? "view.office" : "view.console";
  const info = new InfoCentrePanel(ctx, mapView);
  attachVesselLinks(vesselPanel);
  const density = new DensityLayer(mapView, { showError: ctx.showError });
  const reportsLink = h("a.reports-open", { href: "#/reports", "data-i18n": "safety_report.open" }, t("safety_report.open"));
  const range = new RangeBearing(mapView);
  const bar = topBar({ user, titleKey, search, mapView, onLogout: ctx.logout, extra: [replayButton, range.button, density.element, reportsLink, info.button] });
  const counts = office ? officeHeader(ctx, office) : h("section.counts");
  const side = h("div.side", {}, counts, panel.element);
  clear(root).append(h("div.layout.operations", { dataset: { mode } }, bar, h("main.with-cases", {}, h("div.map-wrap", {}, mapEl, replay.banner, vesselPanel.element, desk.panel.element, replay.element, range.readout, info.element), desk.column(), side)));

  // Vessel counts come from the server (the browser only holds the vessels in view); open
  // and critical alerts from the panel's list, which is live.
  let vesselsPerOffice = new Map();
  const updateCounts = () => {
    if (!office) renderCounts(counts, ctx, officeCounts(offices, panel.list.all(), vesselsPerOffice));
    if (!replay.active) mapView.setAlerts(panel.visible());
  };
  const pollCounts = async () => {
    try {
      vesselsPerOffice = new Map((await api("offices")).map((o) => [o.id, o.vessels]));
      updateCounts();
    } catch (error) {
      if (error.status) ctx.showError(error);
    }
  };
  panel.onChange(updateCounts);
  window.addEventListener("langchange", updateCounts);
  const countsTimer = office ? null : setInterval(pollCounts, 5000);
  if (!office) pollCounts();
  mapView.loaded.then(() => panel.load()).catch((e) => ctx.showError(e));
  desk.start().catch((e) => ctx.showError(e));

  function focusAlert(alert) {
    if (alert.lat != null) mapView.flyTo(alert.lon, alert.lat, 13);
    if (alert.mmsi) vesselPanel.open(alert.mmsi);
  }
  window.seagrid = { mapView, panel, vesselPanel, search, replay, desk, info, radar, density, range };
  return () => { clearInterval(countsTimer); radar.destroy(); panel.destroy(); desk.destroy(); mapView.live.close(); mapView.map.remove(); };
}

// How far beyond its own cells an office view receives vessels (degrees, ~3 nm): enough to
// see a ship coming before it crosses the border, far less than the whole jurisdiction.
const OFFICE_MARGIN_DEG = 0.05;

/** The office's cells' extent plus the margin, as a live subscription box [w, s, e, n]. */
function officeLimit(cells) {
  const b = boundsOf(cells);
  if (!b) return null;
  const m = OFFICE_MARGIN_DEG;
  return [b[0][0] - m, b[0][1] - m, b[1][0] + m, b[1][1] + m];
}

function officeHeader(ctx, office) {
  const title = h("h2", {}, ctx.officeName(office));
  window.addEventListener("langchange", () => (title.textContent = ctx.officeName(office)));
  return h("section.office-header", {}, title, h("p.muted", { "data-i18n": "office.hint" }, t("office.hint")));
}

function renderCounts(section, ctx, rows) {
  const colors = officeColors(ctx.offices);
  clear(section).append(
    h("h2", {}, t("counts.title")),
    h("table.counts-table", {},
      h("thead", {}, h("tr", {}, h("th", {}, t("counts.office")), h("th", {}, t("counts.vessels")), h("th", {}, t("counts.open")), h("th", {}, t("counts.critical")))),
      h("tbody", {}, rows.map((r) => h("tr", { dataset: { office: r.office.id } },
        h("td", {}, h("span.swatch", { style: `background:${colors[r.office.id]}` }), ctx.officeName(r.office.id)),
        h("td.num", {}, formatNumber(r.vessels)), h("td.num", {}, formatNumber(r.open)),
        h("td.num", { dataset: { hot: r.critical ? "1" : "" } }, formatNumber(r.critical)))))));
}

