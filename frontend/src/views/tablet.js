// The patrol tablet: a 1280x800 touch screen on a moving boat. Own vessel centred from its
// AIS, the office's open alerts as tasks with bearing and distance from the boat, one tap to
// acknowledge or report from the scene (POST /report with the outbox entry's id as report id,
// so a resend after a lost answer is stored once), reports queued while the link is down.

import { api } from "../api.js";
import { AlertList, OPEN, SEVERITY_RANK } from "../alert_list.js";
import { chime, flash } from "../alarm.js";
import { clear, h } from "../dom.js";
import { bearingDeg, compassPoint, distanceNm } from "../geo.js";
import { formatAge, formatLatLon, formatTime, language, t, units } from "../i18n.js";
import { MapView } from "../map_view.js";
import { ReportQueue } from "../report_queue.js";
import { topBar } from "../shell.js";
import { ageSeconds } from "../alert_list.js";
import { CaseTasks, sendCaseEntry } from "../cases/tablet_tasks.js";
import { CaseLayer } from "../cases/case_layer.js";
import { alertFigures, escalation, isEnded, raisedInModes, vesselsLine } from "../alert_figures.js";
import { confirmAction } from "../close_dialog.js";

// One tap per report. Progress reports leave the case open; results carry the outcome that
// closes it (patrol crews may close their own office's cases by a report: they verified it on
// scene, and the close always carries their finding). "Target not found" leaves the decision
// to the office.
const PROGRESS = [{ id: "on_scene" }, { id: "boarded" }];
const RESULTS = [
  { id: "violation", outcome: "resolved" },
  { id: "no_violation", outcome: "resolved" },
  { id: "false_alarm", outcome: "false_alarm" },
  { id: "not_found" },
];
const KINDS = Object.fromEntries([...PROGRESS, ...RESULTS].map((k) => [k.id, k]));
const LATE_MS = 60000; // a report sent later than this says when it was written
const DOUBLE_TAP_MS = 3000; // the same report on the same task again within this is one tap

/** POST one queued report; its outbox id is the report id, so a resend is stored once. */
export function sendReport(r) {
  if (r.case || r.instruction) return sendCaseEntry(r); // the boat's cases (cases/tablet_tasks.js): sent with `at`
  const written = Date.parse(r.at);
  const late = Date.now() - written > LATE_MS;
  const note = late ? `${r.note} (${t("report.written_at", { time: formatTime(r.at) })})` : r.note;
  const body = { note, report_id: r.id, ...(r.outcome ? { outcome: r.outcome } : {}) };
  return api(`alerts/${encodeURIComponent(r.alert)}/report`, { method: "POST", body });
}

export function renderTablet(ctx) {
  const { root, user } = ctx;
  const mapEl = h("div.map");
  const mapView = new MapView(mapEl, { ...ctx, token: ctx.token, onStatus: (s) => onStatus(s) });
  const alerts = new AlertList();
  const queue = new ReportQueue(sendReport);
  let follow = true;
  let lastShape = null; // what the task cards show, to rebuild them only when it changes
  const own = h("section.own", {});
  const tasks = h("ol.tasks", { role: "list" });
  const outbox = h("p.outbox", {});
  const recentre = h("button.big", { type: "button", "data-i18n": "tablet.centre", onclick: () => { follow = true; centre(); } }, t("tablet.centre"));
  const bar = topBar({ user, titleKey: "view.tablet", onLogout: ctx.logout });
  const page = h("div.layout.tablet", {}, bar, h("main", {}, h("div.map-wrap", {}, mapEl), h("div.side", {}, own, recentre, outbox, h("h2", { "data-i18n": "tablet.tasks" }, t("tablet.tasks")), tasks)));
  const caseLayer = new CaseLayer(mapView);
  const caseTasks = new CaseTasks({
    mmsi: user.mmsi, mapView, queue, page, onError: ctx.showError, layer: caseLayer,
    onQueued: () => { renderOutbox(); caseTasks.render(); if (mapView.live.status === "online") sendQueued(); },
    onFocus: ([lon, lat]) => { follow = false; mapView.flyTo(lon, lat, 13); },
  });
  recentre.after(caseTasks.element);
  clear(root).append(page);
  mapView.map.on("dragstart", () => (follow = false));
  if (user.mmsi) mapView.select(Number(user.mmsi)); // the ring marks (and follows) the own boat
  const sent = new Map(); // alert id -> reports already recorded on it [{note, at, actor}]
  const lastTap = new Map(); // `${alert}:${kind}` -> time of the last tap
  const pushes = []; // recent pushes, re-applied over a list fetched while they arrived
  mapView.live.onAlert = (alert, message = {}) => {
    pushes.push({ at: Date.now(), alert });
    if (pushes.length > 200) pushes.shift();
    if (message.change === "reported" && message.note) addSent(alert.id, { note: message.note, at: Date.now() / 1000, actor: message.actor });
    if (alerts.upsert(alert)) { chime(); flash(page); }
    render();
  };
  mapView.live.onCase = (c) => caseTasks.push(c).catch(ctx.showError);
  mapView.live.onInstruction = (m) => caseTasks.pushInstruction(m).catch(ctx.showError);
  mapView.vessels.onChange(() => { if (follow) centre(); renderOwn(); caseTasks.render(); });

  function onStatus(state) {
    bar.setStatus(state);
    if (state === "online") sendQueued();
  }

  async function sendQueued() {
    await queue.flush();
    renderOutbox();
    await Promise.all([load(), caseTasks.load()]);
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
    const queued = new Map();
    for (const r of queue.pending()) queued.set(r.alert, (queued.get(r.alert) || 0) + 1);
    const shown = withRange.slice(0, 30);
    // The own boat moves every few seconds: rebuilding the cards then would detach a button
    // between a finger's press and release and lose the tap. Same tasks: update text only.
    const shape = [language(), ...shown.map(({ a }) => `${a.id}:${a.status}:${isEnded(a)}:${escalation(a)}:${queued.get(a.id) || 0}:${(sent.get(a.id) || []).length}:${vesselsLine(a, nameOf)}`)].join("|");
    if (shape === lastShape) {
      for (const { a, range } of shown) {
        const li = tasks.querySelector(`li.task[data-id="${CSS.escape(a.id)}"]`);
        if (!li) continue;
        li.querySelector(".nav").textContent = navText(a, me, range);
        li.querySelector(".age").textContent = formatAge(ageSeconds(a));
      }
    } else {
      lastShape = shape;
      clear(tasks);
      if (!shown.length) tasks.append(h("li.empty", {}, t("tablet.no_tasks")));
      for (const { a, range } of shown) tasks.append(task(a, me, range, queued.get(a.id) || 0));
    }
    mapView.setAlerts(open);
  }

  function navText(a, me, range) {
    const bearing = me && a.lat != null ? bearingDeg(me.lat, me.lon, a.lat, a.lon) : null;
    if (bearing == null) return t("tablet.no_fix");
    return t("tablet.bearing_distance", { bearing: units.degrees(bearing), point: t(`compass.${compassPoint(bearing)}`), distance: units.nm(range) });
  }

  function nameOf(mmsi) {
    return mapView.vessels.get(mmsi)?.name || null;
  }

  function addSent(id, row) {
    const rows = sent.get(id) || [];
    if (!rows.some((r) => r.note === row.note && Math.abs(r.at - row.at) < 5)) sent.set(id, [...rows, row]);
  }

  /** The reports already recorded on a task, so a crew does not send one twice. */
  function sentList(a) {
    const rows = sent.get(a.id) || [];
    if (!rows.length) return null;
    return h("ul.sent", { "aria-label": t("tablet.sent") }, rows.map((r) => h("li", {}, `✓ ${r.note} · ${formatTime(r.at)}`)));
  }

  function task(a, me, range, queued) {
    const figures = alertFigures(a, { zones: ctx.zones });
    // As on the operator's cards: a situation the pipeline saw end (the ships are no longer
    // where it was) still waits for the crew's report, marked so nobody steams to it in haste.
    const ended = isEnded(a);
    const level = escalation(a);
    return h("li.task", { dataset: { id: a.id, severity: a.severity, status: a.status, ended: ended ? "1" : "" }, onclick: (e) => e.target.tagName !== "BUTTON" && a.lat != null && (follow = false, mapView.flyTo(a.lon, a.lat, 13)) },
      h("div.row", {}, h("span.severity", {}, t(`severity.${a.severity}`)), h("strong", {}, t(`rule.${a.rule}`)), h("span.age", {}, formatAge(ageSeconds(a)))),
      ended || level ? h("div.row.badges", {},
        ended ? h("span.badge.ended", {}, t("alerts.ended")) : null,
        level ? h("span.badge.escalated", { dataset: { level } }, t(`escalation.${level}`)) : null) : null,
      h("div.row.vessel", {}, vesselsLine(a, nameOf)),
      figures ? h("div.row.figures", {}, figures) : null,
      raisedInModes(a) ? h("div.row.mode", {}, raisedInModes(a)) : null,
      h("div.row.nav", {}, navText(a, me, range)),
      queued ? h("p.queued", {}, t("tablet.queued", { n: queued })) : null,
      sentList(a),
      h("div.actions.progress", {},
        a.status === "open" ? h("button.big", { type: "button", dataset: { action: "ack" }, onclick: () => ack(a) }, t("action.ack")) : null,
        ...PROGRESS.map((k) => reportButton(a, k))),
      h("div.actions.results", {}, ...RESULTS.map((k) => reportButton(a, k))));
  }

  function reportButton(a, kind) {
    return h("button.big", { type: "button", dataset: { action: "report", report: kind.id, outcome: kind.outcome || "" }, onclick: () => report(a, kind.id) }, t(`report.${kind.id}`));
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

  async function report(a, kind) {
    const tap = `${a.id}:${kind}`;
    if (Date.now() - (lastTap.get(tap) || 0) < DOUBLE_TAP_MS) return; // a double tap is one report
    lastTap.set(tap, Date.now());
    // a result closes the case (or hands it back): ask before, a tap on a rocking boat misses
    if (KINDS[kind].outcome && !(await confirmAction(t("tablet.confirm_close", { report: t(`report.${kind}`) })))) {
      lastTap.delete(tap);
      return;
    }
    queue.add({ alert: a.id, kind, outcome: KINDS[kind].outcome ?? null, note: t(`report.${kind}`) });
    addSent(a.id, { note: t(`report.${kind}`), at: Date.now() / 1000, actor: user.name });
    renderOutbox();
    render();
    if (mapView.live.status === "online") await sendQueued();
  }

  function renderOutbox() {
    const n = queue.pending().length;
    const refused = queue.refused.length ? ` ${t("tablet.refused", { n: queue.refused.length })}` : "";
    const overruled = queue.overruled.length ? ` ${t("tablet.overruled", { n: queue.overruled.length })}` : "";
    outbox.textContent = (n ? t("tablet.outbox", { n }) : t("tablet.outbox_empty")) + refused + overruled;
    outbox.dataset.pending = String(n);
  }

  async function load() {
    const started = Date.now();
    try {
      const data = await api("alerts", { params: { status: "open" } });
      const acked = await api("alerts", { params: { status: "acknowledged" } });
      const list = (d) => (Array.isArray(d) ? d : d.items ?? d.alerts ?? []);
      alerts.reset([...list(data), ...list(acked)]);
      for (const p of pushes) if (p.at >= started - 1000) alerts.upsert(p.alert); // newer than the fetch
      await loadSent(alerts.all().slice(0, 30));
    } catch (error) {
      if (error.status) ctx.showError(error);
    }
    render();
  }

  /** The reports recorded on the tasks before this screen opened (from their history). */
  async function loadSent(list) {
    await Promise.all(list.map(async (a) => {
      try {
        const rows = await api(`alerts/${encodeURIComponent(a.id)}/history`);
        for (const r of rows) if (r.change === "reported" && r.note) addSent(a.id, { note: r.note, at: r.at, actor: r.actor });
      } catch {
        // the task card works without its history
      }
    }));
  }

  window.addEventListener("online", sendQueued);
  const retry = setInterval(() => queue.pending().length && sendQueued(), 15000);
  window.addEventListener("langchange", () => { renderOwn(); renderOutbox(); caseTasks.render(); });
  renderOwn();
  renderOutbox();
  mapView.loaded.then(() => { caseLayer.install(); return Promise.all([load(), caseTasks.load()]); });
  const casePoll = setInterval(() => mapView.live.status === "online" && caseTasks.load(), 30000);
  window.seagrid = { mapView, alerts, queue, caseTasks };
  return () => { clearInterval(retry); clearInterval(casePoll); mapView.live.close(); mapView.map.remove(); };
}
