// The patrol tablet: a 1280x800 touch screen on a moving boat. Own vessel centred from its
// AIS, the office's open alerts as tasks with bearing and distance from the boat, one tap to
// acknowledge or report, and reports queued in localStorage while the link is down.

import { api } from "../api.js";
import { AlertList, OPEN, SEVERITY_RANK } from "../alert_list.js";
import { chime, flash } from "../alarm.js";
import { clear, h } from "../dom.js";
import { bearingDeg, compassPoint, distanceNm } from "../geo.js";
import { formatAge, formatLatLon, language, t, units } from "../i18n.js";
import { MapView } from "../map_view.js";
import { ReportQueue } from "../report_queue.js";
import { topBar } from "../shell.js";
import { ageSeconds } from "../alert_list.js";

const OUTCOMES = ["no_violation", "violation", "not_found"];

export function renderTablet(ctx) {
  const { root, user } = ctx;
  const mapEl = h("div.map");
  const mapView = new MapView(mapEl, { ...ctx, token: ctx.token, onStatus: (s) => onStatus(s) });
  const alerts = new AlertList();
  // A crew's report travels as an acknowledgement with the outcome as its note: patrol crews
  // may acknowledge but not resolve (the office closes the alert after reading the report).
  const queue = new ReportQueue((r) => api(`alerts/${encodeURIComponent(r.alert)}/ack`, { method: "POST", body: { note: `${r.note} [${r.outcome}] ${r.at}` } }));
  let follow = true;
  const own = h("section.own", {});
  const tasks = h("ol.tasks", { role: "list" });
  const outbox = h("p.outbox", {});
  const recentre = h("button.big", { type: "button", "data-i18n": "tablet.centre", onclick: () => { follow = true; centre(); } }, t("tablet.centre"));
  const bar = topBar({ user, titleKey: "view.tablet", onLogout: ctx.logout });
  const page = h("div.layout.tablet", {}, bar, h("main", {}, h("div.map-wrap", {}, mapEl), h("div.side", {}, own, recentre, h("h2", { "data-i18n": "tablet.tasks" }, t("tablet.tasks")), tasks, outbox)));
  clear(root).append(page);
  mapView.map.on("dragstart", () => (follow = false));
  if (user.mmsi) mapView.select(Number(user.mmsi)); // the ring marks (and follows) the own boat
  mapView.live.onAlert = (alert) => {
    if (alerts.upsert(alert)) { chime(); flash(page); }
    render();
  };
  mapView.vessels.onChange(() => { if (follow) centre(); renderOwn(); });

  function onStatus(state) {
    bar.setStatus(state);
    if (state === "online") sendQueued();
  }

  async function sendQueued() {
    await queue.flush();
    renderOutbox();
    await load();
  }

  function ownVessel() {
    return user.mmsi ? mapView.vessels.get(Number(user.mmsi)) : null;
  }

  function centre() {
    const v = ownVessel();
    if (v) mapView.map.easeTo({ center: [v.lon, v.lat], zoom: Math.max(mapView.map.getZoom(), 11), duration: 300 });
  }

  /** The boat's name from the configuration, until its AIS static data has come in. */
  function configuredName() {
    const boat = (ctx.ui.patrol_vessels || []).find((p) => p.mmsi === Number(user.mmsi));
    return boat && ((language() === "en" && boat.name_en) || boat.name);
  }

  function renderOwn() {
    const v = ownVessel();
    clear(own).append(
      h("h2", {}, v?.name || configuredName() || t("tablet.own_vessel")),
      h("p.muted", {}, `MMSI ${user.mmsi ?? "—"}`),
      v ? h("p.big-figures", {}, formatLatLon(v.lat, v.lon), h("br"), `${units.knots(v.speed)} · ${units.degrees(v.course)}`) : h("p.muted", {}, t("tablet.no_fix")));
    render();
  }

  function render() {
    const me = ownVessel();
    const open = alerts.all().filter((a) => OPEN.has(a.status));
    const withRange = open.map((a) => ({ a, range: me && a.lat != null ? distanceNm(me.lat, me.lon, a.lat, a.lon) : null }));
    withRange.sort((x, y) => (SEVERITY_RANK[x.a.severity] - SEVERITY_RANK[y.a.severity]) || ((x.range ?? 1e9) - (y.range ?? 1e9)));
    const queued = new Set(queue.pending().map((r) => r.alert));
    clear(tasks);
    if (!withRange.length) tasks.append(h("li.empty", {}, t("tablet.no_tasks")));
    for (const { a, range } of withRange.slice(0, 30)) tasks.append(task(a, me, range, queued.has(a.id)));
    mapView.setAlerts(open);
  }

  function task(a, me, range, queued) {
    const bearing = me && a.lat != null ? bearingDeg(me.lat, me.lon, a.lat, a.lon) : null;
    const vessel = mapView.vessels.get(a.mmsi);
    return h("li.task", { dataset: { id: a.id, severity: a.severity, status: a.status }, onclick: (e) => e.target.tagName !== "BUTTON" && a.lat != null && (follow = false, mapView.flyTo(a.lon, a.lat, 13)) },
      h("div.row", {}, h("span.severity", {}, t(`severity.${a.severity}`)), h("strong", {}, t(`rule.${a.rule}`)), h("span.age", {}, formatAge(ageSeconds(a)))),
      h("div.row", {}, vessel?.name || (a.mmsi ? `MMSI ${a.mmsi}` : "")),
      h("div.row.nav", {}, bearing == null ? t("tablet.no_fix") : t("tablet.bearing_distance", { bearing: units.degrees(bearing), point: t(`compass.${compassPoint(bearing)}`), distance: units.nm(range) })),
      queued ? h("p.queued", {}, t("tablet.queued")) : h("div.actions", {},
        a.status === "open" ? h("button.big", { type: "button", dataset: { action: "ack" }, onclick: () => ack(a) }, t("action.ack")) : null,
        ...OUTCOMES.map((o) => h("button.big", { type: "button", dataset: { action: "report", outcome: o }, onclick: () => report(a, o) }, t(`report.${o}`)))));
  }

  async function ack(a) {
    try {
      const updated = await api(`alerts/${encodeURIComponent(a.id)}/ack`, { method: "POST", body: {} });
      if (updated?.id) alerts.upsert(updated);
    } catch (error) {
      ctx.showError(error);
    }
    render();
  }

  async function report(a, outcome) {
    queue.add({ alert: a.id, outcome, note: t(`report.${outcome}`) });
    renderOutbox();
    render();
    if (mapView.live.status === "online") await sendQueued();
  }

  function renderOutbox() {
    const n = queue.pending().length;
    const refused = queue.refused.length ? ` ${t("tablet.refused", { n: queue.refused.length })}` : "";
    outbox.textContent = (n ? t("tablet.outbox", { n }) : t("tablet.outbox_empty")) + refused;
    outbox.dataset.pending = String(n);
  }

  async function load() {
    try {
      const data = await api("alerts", { params: { status: "open" } });
      const acked = await api("alerts", { params: { status: "acknowledged" } });
      const list = (d) => (Array.isArray(d) ? d : d.items ?? d.alerts ?? []);
      alerts.reset([...list(data), ...list(acked)]);
    } catch (error) {
      if (error.status) ctx.showError(error);
    }
    render();
  }

  window.addEventListener("online", sendQueued);
  const retry = setInterval(() => queue.pending().length && sendQueued(), 15000);
  window.addEventListener("langchange", () => { renderOwn(); renderOutbox(); });
  renderOwn();
  renderOutbox();
  mapView.loaded.then(load);
  window.seagrid = { mapView, alerts, queue };
  return () => { clearInterval(retry); mapView.live.close(); mapView.map.remove(); };
}
