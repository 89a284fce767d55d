// The case desk of the console and the office view: loads and follows the cases (GET
// /api/cases, `case` pushes on /ws/live) and the patrol boats (GET /api/patrols), and carries
// out every action of CONTRACTS §8 behind the board, the case panel, the patrol list and the
// buttons it adds to alerts and vessels. The server's answer (or push) changes what is shown,
// never an optimistic guess.

import { api, items } from "../api.js";
import { h } from "../dom.js";
import { formatNumber, language, t, units } from "../i18n.js";
import { CaseBoard } from "./case_board.js";
import { CaseLayer, pickPoints } from "./case_layer.js";
import { caseFromAlert, CASE_TYPES, CaseList, casePoint, CLOSED, INCIDENT_KINDS, instructionTarget, isOpen, MEASURES, OUTCOMES, PRIORITIES } from "./case_model.js";
import { CasePanel, measureLabel } from "./case_panel.js";
import { inMinutes, localToIso, openDialog } from "./dialog.js";
import { PatrolList } from "./patrol_list.js";
import { patrolRows, rankBoats } from "./patrol_model.js";

const CENTRE_ROLES = new Set(["operator", "supervisor", "admin"]);
const INSTRUCTION_MINUTES = [10, 15, 30, 60, 120, 240];
const RECORD_DAYS = 365;
const EMERGENCY_TYPES = new Set(["search_rescue", "pollution"]);

export class CaseDesk {
  /**
   * @param ctx the view context (user, ui, offices, officeName, showError)
   * @param {{mode: "centre"|"office", office: string|null, mapView, alertPanel, vesselPanel}} parts
   */
  constructor(ctx, { mode, office, mapView, alertPanel, vesselPanel }) {
    this.ctx = ctx;
    this.user = ctx.user;
    this.mode = mode;
    this.fixedOffice = office;
    this.offices = ctx.offices;
    this.mapView = mapView;
    this.alertPanel = alertPanel;
    this.vesselPanel = vesselPanel;
    this.list = new CaseList();
    this.served = null; // GET /api/patrols items, null when the server has none
    this.records = new Map(); // mmsi -> record (or null while loading)
    this.emergencies = new Map(); // case id -> the latest GET /api/cases/{id}/assist
    this.configured = (ctx.ui.patrol_vessels || []).filter((p) => !office || p.office === office);
    this.layer = new CaseLayer(mapView);
    this.layer.onCaseClick = (id) => this.open(id);
    this.board = new CaseBoard(this, { mode, fixedOffice: office });
    this.panel = new CasePanel(this);
    this.panel.onPanelClosed = () => this.layer.setRing(null);
    this.patrolList = new PatrolList(this);
    this.can = this.permissions();
    this.timer = setInterval(() => this.refreshClock(), 5000);
    this.patrolTimer = setInterval(() => this.loadPatrols(), 15000);
    this.onLang = () => this.renderAll();
    window.addEventListener("langchange", this.onLang);
  }

  permissions() {
    const u = this.user;
    const centre = CENTRE_ROLES.has(u.role);
    const own = (c) => centre || (u.role === "office" && c.office === u.office);
    // What the case's state allows (the server's `allowed_actions`), for users who may manage it.
    const allowed = (action) => (c) => own(c) && (!Array.isArray(c.allowed_actions) || c.allowed_actions.includes(action));
    return {
      assign: allowed("assign"), instruct: (c) => own(c) && !CLOSED.has(c.status), report: own,
      close: allowed("close"), cancel: allowed("cancel"), reopen: allowed("reopen"),
      // only the receiver acknowledges: the office for itself and, by radio, for its own boats
      ackInstruction: (i) => {
        const target = instructionTarget(i.to);
        if (u.role === "patrol") return target.kind === "patrol" && Number(u.mmsi) === target.id;
        if (u.role !== "office") return false;
        return target.kind === "office" ? target.id === u.office : this.configuredBoat(target.id)?.office === u.office;
      },
    };
  }

  /** The case column: the board and the patrol boats, as two tabs. */
  column() {
    const tabs = [["cases", this.board.element], ["patrols", this.patrolList.element]];
    const buttons = tabs.map(([id]) => h("button.tab", { type: "button", role: "tab", dataset: { tab: id }, "data-i18n": `case.tab.${id}`, onclick: () => select(id) }, t(`case.tab.${id}`)));
    const select = (id) => {
      for (const b of buttons) b.setAttribute("aria-selected", String(b.dataset.tab === id));
      for (const [tid, el] of tabs) el.hidden = tid !== id;
      if (id === "patrols") this.patrolList.render();
    };
    select("cases");
    return h("div.case-column", {}, h("div.tabs", { role: "tablist" }, buttons), ...tabs.map(([, el]) => el));
  }

  async start() {
    await this.mapView.loaded;
    // The live picture first (the console shows vessels within seconds of signing in), then
    // the cases: wait for the first positions, or 3 s at most.
    await new Promise((resolve) => { this.mapView.vessels.onChange(resolve); setTimeout(resolve, 3000); });
    this.layer.install();
    await Promise.all([this.load(), this.loadPatrols()]);
  }

  async load() {
    try {
      const data = await api("cases", { params: { office: this.fixedOffice, limit: 500 } });
      this.list.reset(items(data, "cases"));
      await this.loadPending();
    } catch (error) {
      if (error.status !== 404) this.ctx.showError(error);
    }
    this.renderAll();
  }

  /** Unacknowledged instructions per case (the list's cases do not carry their instructions). */
  async loadPending() {
    const pending = items(await api("instructions", { params: { pending: true } }), "instructions");
    const counts = new Map();
    for (const i of pending) counts.set(i.case_id, (counts.get(i.case_id) || 0) + 1);
    for (const c of this.list.all()) c.pending_instructions = counts.get(c.id) || 0;
  }

  /** An `instruction` push (sent, acknowledged, escalated): its case and the counts follow. */
  pushInstruction(message) {
    if (message.case) this.push(message.case);
    this.loadPending().then(() => this.renderAll()).catch(() => {});
    if (this.panel.caseId && this.panel.caseId === message.instruction?.case_id) this.refresh(this.panel.caseId);
  }

  async loadPatrols() {
    try {
      this.served = items(await api("patrols", { params: { office: this.fixedOffice } }), "patrols");
    } catch (error) {
      if (error.status && error.status !== 404) this.ctx.showError(error);
    }
    if (!this.patrolList.element.hidden) this.patrolList.render();
  }

  /** A `case` push: merge it; the open panel follows; a case that left our scope is dropped. */
  push(c) {
    if (this.fixedOffice && c.office !== this.fixedOffice) {
      this.list.byId.delete(c.id);
    } else {
      this.list.upsert(c);
      if (c.mmsi) this.records.delete(c.mmsi);
      if (this.panel.caseId === c.id && !c.history) this.refresh(c.id);
    }
    this.renderAll();
  }

  renderAll() {
    this.board.render();
    this.panel.render();
    if (!this.patrolList.element.hidden) this.patrolList.render();
    this.layer.setCases(this.list.all(), (m) => this.mapView.vessels.get(m));
    this.alertPanel?.render();
  }

  refreshClock() {
    this.ticks = (this.ticks || 0) + 1;
    const shown = this.panel.current();
    if (shown && this.ticks % 6 === 0 && this.emergencyOf(shown)) this.loadAssist(shown.id); // every 30 s
    this.board.render();
    this.layer.setCases(this.list.all(), (m) => this.mapView.vessels.get(m));
  }

  // ---- names -------------------------------------------------------------------------

  officeName(id) {
    return this.ctx.officeName(id);
  }

  vesselName(mmsi) {
    const v = this.mapView.vessels.get(Number(mmsi));
    const patrol = this.configuredBoat(mmsi);
    const name = v?.name || (patrol && this.boatLabel(patrol));
    return name ? `${name} (${mmsi})` : `MMSI ${mmsi}`;
  }

  configuredBoat(mmsi) {
    return (this.ctx.ui.patrol_vessels || []).find((p) => Number(p.mmsi) === Number(mmsi));
  }

  boatLabel(p) {
    return (language() === "en" && p.name_en) || p.name || String(p.mmsi);
  }

  patrolName(mmsi) {
    const p = this.configuredBoat(mmsi) || (this.served || []).find((s) => Number(s.mmsi) === Number(mmsi));
    return p ? this.boatLabel(p) : `MMSI ${mmsi}`;
  }

  alertLabel(id) {
    const a = this.alertPanel?.list.get(id);
    return a ? `${t(`rule.${a.rule}`)} (${t(`status.${a.status}`)})` : id;
  }

  patrols() {
    return patrolRows({
      configured: this.configured, served: this.served, live: (m) => this.mapView.vessels.get(m),
      cases: this.list.all(), staleSeconds: Math.max(600, this.ctx.ui.stale_after || 0),
    });
  }

  flyTo(lon, lat, zoom = 12) {
    this.mapView.flyTo(lon, lat, zoom);
  }

  openVessel(mmsi) {
    this.vesselPanel?.open(Number(mmsi));
  }

  /** Show the case on the map: its area whole, else its point. */
  locate(c) {
    const ring = c.area?.type === "Polygon" ? c.area.coordinates[0] : c.area?.type === "MultiPolygon" ? c.area.coordinates.flat(1).flat(1) : null;
    if (ring?.length) {
      const xs = ring.map((p) => p[0]);
      const ys = ring.map((p) => p[1]);
      this.mapView.map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], { padding: 60, maxZoom: 14 });
      return;
    }
    const p = casePoint(c, (m) => this.mapView.vessels.get(m));
    if (p) this.flyTo(p[0], p[1], 12);
  }

  /** Clicks on the map pick points meanwhile: vessels and case markers do not open panels. */
  picking(on) {
    if (on) {
      this.savedClicks = [this.mapView.onVesselClick, this.layer.onCaseClick];
      this.mapView.onVesselClick = null;
      this.layer.onCaseClick = null;
    } else if (this.savedClicks) {
      [this.mapView.onVesselClick, this.layer.onCaseClick] = this.savedClicks;
      this.savedClicks = null;
    }
  }

  // ---- one case --------------------------------------------------------------------------

  async open(id) {
    this.panel.show(id);
    await this.refresh(id);
    const c = this.list.get(id);
    if (!c) return;
    const e = this.emergencyOf(c);
    if (e) {
      this.loadAssist(id);
      this.layer.setRing([e.lon, e.lat], e.radius_nm);
      this.mapView.map.flyTo({ center: [e.lon, e.lat], zoom: zoomForRadius(e.radius_nm), speed: 2.4 });
    } else {
      this.layer.setRing(null);
      this.locate(c);
    }
    if (c.mmsi && !c.vessel_record && !this.records.has(c.mmsi)) this.loadRecord(c.mmsi);
  }

  async refresh(id) {
    try {
      this.list.upsert(await api(`cases/${encodeURIComponent(id)}`));
    } catch (error) {
      this.ctx.showError(error);
    }
    this.renderAll();
  }

  recordOf(mmsi) {
    if (!this.records.has(mmsi)) this.loadRecord(mmsi);
    return this.records.get(mmsi) || null;
  }

  /** The vessel's last 12 months: the server's record when it sends one, else its alerts and cases. */
  async loadRecord(mmsi) {
    this.records.set(mmsi, null);
    try {
      const detail = await api(`vessels/${mmsi}`).catch(() => ({}));
      let rec = detail.record;
      if (!rec || !Array.isArray(rec.cases)) {
        const since = Date.now() / 1000 - RECORD_DAYS * 86400;
        const [alerts, cases] = await Promise.all([
          api("alerts", { params: { mmsi, since, limit: 200 } }).catch(() => []),
          api("cases", { params: { mmsi } }).catch(() => []),
        ]);
        rec = { alerts: items(alerts, "alerts"), cases: items(cases, "cases") };
      }
      this.records.set(mmsi, { alerts: rec.alerts || [], cases: rec.cases || [] });
    } catch {
      this.records.set(mmsi, { alerts: [], cases: [] });
    }
    if (this.panel.current()?.mmsi === mmsi) this.panel.render();
  }

  /**
   * An emergency case: the server's incident (kind, radius) and who could assist: the
   * ranking from its creation, replaced by `GET /api/cases/{id}/assist` (live positions)
   * while the panel shows it.
   */
  emergencyOf(c) {
    const incident = c.incident;
    if ((!incident && !EMERGENCY_TYPES.has(c.type)) || c.lat == null) return null;
    const live = this.emergencies.get(c.id);
    return {
      kind: incident?.kind ?? (c.type === "pollution" ? "pollution" : "distress"),
      lat: c.lat, lon: c.lon, radius_nm: Number(live?.radius_nm ?? incident?.radius_nm ?? 5),
      assist: live?.assist ?? c.assist ?? incident?.assist ?? [],
      within: live?.within_radius ?? incident?.within_radius ?? [],
    };
  }

  async loadAssist(id) {
    try {
      this.emergencies.set(id, await api(`cases/${encodeURIComponent(id)}/assist`));
    } catch (error) {
      if (error.status !== 400) this.ctx.showError(error); // 400: no position yet
    }
    if (this.panel.caseId === id) this.panel.render();
  }

  // ---- creating cases -------------------------------------------------------------------

  caseFields(seed) {
    const officeIds = this.fixedOffice ? [this.fixedOffice] : this.offices.map((o) => o.id);
    const boats = rankBoats(this.patrols(), seed.lat != null ? [seed.lon, seed.lat] : null, { office: seed.office });
    return [
      { name: "type", labelKey: "case.field.type", kind: "select", value: seed.type || "inspection", options: CASE_TYPES.map((v) => [v, t(`case.type.${v}`)]) },
      { name: "title", labelKey: "case.field.title", value: seed.title || "", required: true },
      { name: "office", labelKey: "case.field.office", kind: "select", value: seed.office || officeIds[0], options: officeIds.map((id) => [id, this.officeName(id)]) },
      { name: "priority", labelKey: "case.field.priority", kind: "select", value: seed.priority || "normal", options: PRIORITIES.map((v) => [v, t(`case.priority.${v}`)]) },
      { name: "deadline", labelKey: "case.field.deadline", kind: "datetime", hint: t("case.deadline_default") },
      { name: "mmsi", labelKey: "case.field.mmsi", value: seed.mmsi ?? "", placeholder: "412345678" },
      { name: "patrol_mmsi", labelKey: "case.field.patrol", kind: "select", value: "", options: [["", t("case.no_patrol")], ...boats.map((b) => [String(b.mmsi), this.boatOption(b)])] },
      { name: "note", labelKey: "case.field.description", kind: "textarea", value: seed.note || "" },
    ];
  }

  boatOption(b) {
    const parts = [this.boatLabel(b), t(`patrol.state.${b.state}`)];
    if (b.distance_nm != null) parts.push(units.nm(b.distance_nm), t("incident.minutes", { n: formatNumber(b.eta_min, 0) }));
    return parts.join(" · ");
  }

  /** The case form, prefilled from `seed`; on success the new case opens. */
  newCase(seed, titleKey = "case.new_title") {
    openDialog({
      titleKey, fields: this.caseFields(seed), submitKey: "case.create", className: "new-case",
      onSubmit: async (v) => {
        const body = {
          type: v.type, title: v.title, office: v.office, priority: v.priority,
          mmsi: v.mmsi ? Number(v.mmsi) : null, patrol_mmsi: v.patrol_mmsi ? Number(v.patrol_mmsi) : null,
          alert_ids: seed.alert_ids || [], area: seed.area || null, note: v.note || null,
          ...(seed.lat != null ? { lat: seed.lat, lon: seed.lon } : {}),
          ...(localToIso(v.deadline) ? { deadline: localToIso(v.deadline) } : {}),
        };
        if (v.mmsi && !/^\d{9}$/.test(v.mmsi)) throw new Error(t("case.bad_mmsi"));
        const created = await api("cases", { method: "POST", body });
        this.list.upsert(created);
        this.renderAll();
        this.open(created.id);
      },
    });
  }

  /** One click: the case is opened at once from the alert (linked; its vessel, office and
   * position inherited, type and priority from the rule and severity) and shown in the panel,
   * where the officer assigns a boat or instructs. */
  async newFromAlert(alert) {
    try {
      const created = await api("cases", { method: "POST", body: this.alertCaseBody(alert) });
      this.list.upsert(created);
      this.renderAll();
      await this.open(created.id);
    } catch (error) {
      this.ctx.showError(error);
    }
  }

  newFromVessel(mmsi) {
    const v = this.mapView.vessels.get(mmsi) || {};
    this.newCase({ type: "inspection", mmsi, office: this.fixedOffice || v.office || this.offices[0]?.id, title: `${t("case.type.inspection")} · ${this.vesselName(mmsi)}`, ...(v.lat != null ? { lat: v.lat, lon: v.lon } : {}) });
  }

  newByHand() {
    this.newCase({ office: this.fixedOffice || undefined });
  }

  /** Draw a polygon on the map (click the corners, double-click or Enter to finish). */
  newFromArea() {
    const hint = this.hint(t("case.draw_hint"));
    this.picking(true);
    const handle = pickPoints(this.mapView.map, {
      onPoint: (pts) => this.layer.setDraft(pts),
      onDone: (pts) => {
        this.picking(false);
        hint.remove();
        this.layer.setDraft([]);
        if (pts.length < 3) return this.ctx.showError(new Error(t("case.draw_too_few")));
        const area = { type: "Polygon", coordinates: [[...pts, pts[0]]] };
        const office = this.fixedOffice || this.officeAt(pts) || this.offices[0]?.id;
        this.newCase({ type: "inspection", area, office, title: t("case.area_title") });
      },
      onCancel: () => { this.picking(false); hint.remove(); this.layer.setDraft([]); },
    });
    hint.querySelector("button[data-action=finish]").onclick = () => handle.finish();
    hint.querySelector("button[data-action=cancel]").onclick = () => handle.cancel();
  }

  /** The office whose cells hold most of the points (by the cells' bounding boxes). */
  officeAt(points) {
    const votes = new Map();
    for (const f of this.ctx.cells.features) {
      const ring = f.geometry.type === "Polygon" ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
      const xs = ring.map((p) => p[0]);
      const ys = ring.map((p) => p[1]);
      for (const [x, y] of points) if (x >= Math.min(...xs) && x <= Math.max(...xs) && y >= Math.min(...ys) && y <= Math.max(...ys)) votes.set(f.properties.office, (votes.get(f.properties.office) || 0) + 1);
    }
    return [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  }

  hint(text) {
    const el = h("div.map-hint", { role: "status" }, h("span", {}, text),
      h("button.primary", { type: "button", dataset: { action: "finish" } }, t("case.draw_finish")),
      h("button", { type: "button", dataset: { action: "cancel" } }, t("case.cancel_dialog")));
    this.mapView.map.getContainer().parentElement.append(el);
    return el;
  }

  /** An incident (distress, collision, fire, man overboard, pollution, or by hand on the map). */
  newIncident(seed = {}) {
    const fields = [
      { name: "kind", labelKey: "incident.field.kind", kind: "select", value: seed.kind || "distress", options: INCIDENT_KINDS.map((k) => [k, t(`incident.kind.${k}`)]) },
      { name: "lat", labelKey: "incident.field.lat", kind: "number", step: "any", min: -90, max: 90, value: seed.lat != null ? seed.lat.toFixed(5) : "", required: true },
      { name: "lon", labelKey: "incident.field.lon", kind: "number", step: "any", min: -180, max: 180, value: seed.lon != null ? seed.lon.toFixed(5) : "", required: true },
      { name: "mmsi", labelKey: "case.field.mmsi", value: seed.mmsi ?? "" },
      { name: "radius_nm", labelKey: "incident.field.radius", kind: "number", step: "0.5", min: 0.5, max: 50, value: seed.radius_nm ?? 5, required: true },
    ];
    const pick = h("button", { type: "button", dataset: { action: "pick-on-map" } }, t("incident.pick"));
    const dialog = openDialog({
      titleKey: "incident.new_title", fields, submitKey: "incident.open", className: "incident", extra: [pick],
      onSubmit: async (v) => {
        const mmsi = v.mmsi ? Number(v.mmsi) : null;
        const title = `${t(`incident.kind.${v.kind}`)} · ${mmsi ? this.vesselName(mmsi) : `${Number(v.lat).toFixed(4)}, ${Number(v.lon).toFixed(4)}`}`;
        const body = { kind: v.kind, lat: Number(v.lat), lon: Number(v.lon), mmsi, radius_nm: Number(v.radius_nm), title, ...(seed.alert_id ? { alert_id: seed.alert_id } : {}) };
        const created = await api("incidents", { method: "POST", body });
        this.list.upsert(created);
        this.renderAll();
        this.open(created.id);
      },
    });
    pick.onclick = () => {
      dialog.hide();
      const hint = this.hint(t("incident.pick_hint"));
      hint.querySelector("button[data-action=finish]").hidden = true;
      this.picking(true);
      const handle = pickPoints(this.mapView.map, {
        single: true,
        onDone: ([p]) => {
          this.picking(false);
          hint.remove();
          if (p) { dialog.inputs.get("lon").value = p[0].toFixed(5); dialog.inputs.get("lat").value = p[1].toFixed(5); }
          dialog.show();
        },
        onCancel: () => { this.picking(false); hint.remove(); dialog.show(); },
      });
      hint.querySelector("button[data-action=cancel]").onclick = () => handle.cancel();
    };
  }

  // ---- acting on a case ---------------------------------------------------------------

  /** Assign a patrol boat (to a case, or to an alert: a case is opened for it first). */
  assign(target, alert = null) {
    const c = alert ? null : target;
    const point = alert ? (alert.lat != null ? [alert.lon, alert.lat] : null) : casePoint(c, (m) => this.mapView.vessels.get(m));
    const office = alert ? alert.office : c.office;
    // a case's boat is one of its office's (any boat for the centre's own cases)
    const own = (b) => b.office === office || office === this.ctx.ui.centre?.id;
    const ranked = rankBoats(this.patrols(), point, { office }).filter(own);
    if (!ranked.length) return this.ctx.showError(new Error(t("patrol.none")));
    const suggested = ranked[0].state === "free" ? ranked[0] : null;
    const what = alert ? `${t(`rule.${alert.rule}`)}${alert.mmsi ? " · " + this.vesselName(alert.mmsi) : ""}` : c.title;
    openDialog({
      titleKey: "case.assign_title", titleParams: { what }, submitKey: "case.action.assign", className: "assign",
      fields: [
        { name: "suggested", labelKey: "patrol.suggested", kind: "static", value: suggested ? this.boatOption(suggested) : t("patrol.no_free") },
        { name: "boat", labelKey: "case.field.patrol", kind: "select", value: String((suggested || ranked[0]).mmsi), options: ranked.map((b) => [String(b.mmsi), this.boatOption(b)]) },
        { name: "text", labelKey: "instruction.field.text", kind: "textarea", value: t("instruction.default_text", { what }), required: true },
        { name: "minutes", labelKey: "instruction.field.deadline", kind: "select", value: "15", options: INSTRUCTION_MINUTES.map((m) => [String(m), t("incident.minutes", { n: m })]) },
      ],
      onSubmit: async (v) => {
        let target = c;
        const boat = Number(v.boat);
        if (alert) target = await api("cases", { method: "POST", body: { ...this.alertCaseBody(alert), patrol_mmsi: boat } });
        else if (Number(c.patrol_mmsi) !== boat || c.status === "new") target = await api(`cases/${encodeURIComponent(c.id)}/assign`, { method: "POST", body: { patrol_mmsi: boat } });
        this.list.upsert(target);
        await this.sendInstruction(target, `patrol:${boat}`, v.text, Number(v.minutes));
        this.open(target.id);
      },
    });
  }

  alertCaseBody(alert) {
    const seed = caseFromAlert(alert, `${t(`rule.${alert.rule}`)}${alert.mmsi ? " · " + this.vesselName(alert.mmsi) : ""}`);
    return { ...seed, area: null };
  }

  instruct(c) {
    const boats = rankBoats(this.patrols(), casePoint(c, (m) => this.mapView.vessels.get(m)), { office: c.office })
      .filter((b) => this.mode === "centre" || b.office === this.fixedOffice);
    const targets = [
      ...(this.mode === "centre" ? this.offices.map((o) => [o.id, `${t("instruction.office")} · ${this.officeName(o.id)}`]) : []),
      ...boats.map((b) => [`patrol:${b.mmsi}`, `${t("instruction.patrol")} · ${this.boatOption(b)}`]),
    ];
    openDialog({
      titleKey: "instruction.new_title", titleParams: { what: c.title }, submitKey: "instruction.send", className: "instruct",
      fields: [
        { name: "to", labelKey: "instruction.field.to", kind: "select", value: this.mode === "centre" ? c.office : targets[0]?.[0], options: targets },
        { name: "text", labelKey: "instruction.field.text", kind: "textarea", required: true },
        { name: "minutes", labelKey: "instruction.field.deadline", kind: "select", value: "15", options: INSTRUCTION_MINUTES.map((m) => [String(m), t("incident.minutes", { n: m })]) },
      ],
      onSubmit: (v) => this.sendInstruction(c, v.to, v.text, Number(v.minutes)),
    });
  }

  /** An emergency's helper: a patrol boat is instructed directly; another vessel through the case's office (by VHF). */
  instructAssist(c, a) {
    const to = a.patrol ? `patrol:${a.mmsi}` : c.office;
    const text = a.patrol ? t("incident.assist_text_patrol", { eta: formatNumber(a.eta_min ?? 0, 0) }) : t("incident.assist_text_vessel", { vessel: a.name || this.vesselName(a.mmsi) });
    openDialog({
      titleKey: "instruction.new_title", titleParams: { what: c.title }, submitKey: "instruction.send", className: "instruct",
      fields: [
        { name: "to_label", labelKey: "instruction.field.to", kind: "static", value: a.patrol ? this.patrolName(a.mmsi) : this.officeName(c.office) },
        { name: "text", labelKey: "instruction.field.text", kind: "textarea", value: text, required: true },
        { name: "minutes", labelKey: "instruction.field.deadline", kind: "select", value: "10", options: INSTRUCTION_MINUTES.map((m) => [String(m), t("incident.minutes", { n: m })]) },
      ],
      onSubmit: (v) => this.sendInstruction(c, to, v.text, Number(v.minutes)),
    });
  }

  async sendInstruction(c, to, text, minutes) {
    await api(`cases/${encodeURIComponent(c.id)}/instructions`, { method: "POST", body: { to, text, deadline: inMinutes(minutes) } });
    await this.refresh(c.id);
  }

  async ackInstruction(c, i) {
    try {
      await api(`instructions/${encodeURIComponent(i.id)}/ack`, { method: "POST", body: {} });
    } catch (error) {
      this.ctx.showError(error);
    }
    await this.refresh(c.id);
  }

  report(c) {
    openDialog({
      titleKey: "case.report_title", titleParams: { what: c.title }, submitKey: "case.report_send", className: "report",
      fields: [
        { name: "outcome", labelKey: "case.field.outcome", kind: "select", value: "violation", options: OUTCOMES.map((o) => [o, t(`case.outcome.${o}`)]) },
        { name: "measures", labelKey: "case.measures", kind: "checks", options: MEASURES.map((m) => [m, measureLabel(m)]) },
        { name: "note", labelKey: "case.field.note", kind: "textarea" },
      ],
      onSubmit: async (v) => {
        const id = crypto.randomUUID?.() ?? `${Date.now()}-${Math.random()}`;
        await api(`cases/${encodeURIComponent(c.id)}/reports`, { method: "POST", body: { report_id: id, outcome: v.outcome, measures: v.measures, note: v.note || null } });
        await this.refresh(c.id);
      },
    });
  }

  /** close / cancel / reopen: each needs a reason (the server says which transitions are allowed). */
  transition(c, kind) {
    openDialog({
      titleKey: `case.${kind}_title`, titleParams: { what: c.title }, submitKey: `case.action.${kind}`, className: kind,
      fields: [{ name: "reason", labelKey: "case.field.reason", kind: "textarea", required: true }],
      onSubmit: async (v) => {
        if (!v.reason) throw new Error(t("case.reason_required"));
        const updated = await api(`cases/${encodeURIComponent(c.id)}/${kind}`, { method: "POST", body: { reason: v.reason } });
        if (updated?.id) this.list.upsert(updated);
        await this.refresh(c.id);
      },
    });
  }

  // ---- hooks for the alert list and the vessel panel -------------------------------------

  /** The case an alert item shows: the one it names, else an open one that links it. */
  caseOfAlert(alert) {
    // An open case linked to the alert first: the alert's own `case_id` was its latest case
    // when the alert was loaded, and a case opened since (after the first one closed) only
    // reaches this page as a case message.
    const linked = this.list.ofAlert(alert.id);
    if (linked && isOpen(linked)) return linked;
    return (alert.case_id && this.list.get(alert.case_id)) || linked;
  }

  /** What `alertExtras` draws depends on, so that the alert card is redrawn when it changes. */
  alertKey(alert) {
    const c = this.caseOfAlert(alert);
    return c ? `${c.id}:${c.status}:${c.title}:${this.board && isLate(c) ? 1 : 0}` : "";
  }

  /** What an alert item shows about cases: its case (a link), and the buttons to open one. */
  alertExtras(alert) {
    const c = this.caseOfAlert(alert);
    const mine = this.mode === "centre" || alert.office === this.fixedOffice;
    const buttons = [];
    if ((!c || CLOSED.has(c.status)) && mine) buttons.push(h("button", { type: "button", dataset: { action: "open-case" }, onclick: () => this.newFromAlert(alert) }, t("case.from_alert")));
    if (mine && (!c || !CLOSED.has(c.status))) buttons.push(h("button", { type: "button", dataset: { action: "assign-patrol" }, onclick: () => (c && !CLOSED.has(c.status) ? this.assign(c) : this.assign(null, alert)) }, t("case.action.assign")));
    if ((!c || CLOSED.has(c.status)) && mine && alert.rule === "distress") {
      buttons.push(h("button.danger", { type: "button", dataset: { action: "open-emergency" }, onclick: () => this.newIncident({ kind: "distress", lat: alert.lat, lon: alert.lon, mmsi: alert.mmsi, alert_id: alert.id }) }, t("incident.from_alert")));
    }
    return [
      c ? h("div.row.case-link", { dataset: { case: c.id, overdue: this.board && c && isLate(c) ? "1" : "" } },
        h("a", { href: "#", onclick: (e) => { e.preventDefault(); this.open(c.id); } }, `${t("case.case")}: ${c.title || t(`case.type.${c.type}`)}`),
        h("span.status", {}, t(`case.status.${c.status}`))) : null,
      buttons.length ? h("div.actions.case-buttons", {}, buttons) : null,
    ];
  }

  vesselExtras(mmsi) {
    const open = this.list.all().filter((c) => c.mmsi === mmsi && !CLOSED.has(c.status));
    return h("div.vessel-cases", {},
      open.map((c) => h("div.case-link", { dataset: { case: c.id, overdue: isLate(c) ? "1" : "" } }, h("a", { href: "#", onclick: (e) => { e.preventDefault(); this.open(c.id); } }, `${t("case.case")}: ${c.title}`), " ", h("span.muted", {}, t(`case.status.${c.status}`)))),
      h("button", { type: "button", dataset: { action: "case-from-vessel" }, onclick: () => this.newFromVessel(mmsi) }, t("case.from_vessel")));
  }

  destroy() {
    window.removeEventListener("langchange", this.onLang);
    clearInterval(this.timer);
    clearInterval(this.patrolTimer);
    this.panel.destroy();
    document.querySelector("dialog.case-dialog")?.remove();
  }
}

function isLate(c) {
  return !CLOSED.has(c.status) && (c.overdue === true || Date.parse(c.deadline) < Date.now());
}

/** A zoom that shows an emergency's whole radius ring on a typical screen. */
function zoomForRadius(nm) {
  return Math.max(8, Math.min(14, 12.3 - Math.log2(Math.max(0.5, nm) / 2)));
}

