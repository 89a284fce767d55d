// The patrol crew's own tasks on the tablet: the cases assigned to its boat and the
// instructions sent to it, nearest first, each with bearing and distance to steer by, a big
// "acknowledge" for an unacknowledged instruction and big report buttons. Acknowledgements and
// reports go through the tablet's outbox (report_queue.js): written at once, sent when the
// link is up, each with its outbox id as report id so a resend is stored once. A new
// instruction plays the chime and flashes the screen.

import { api, items } from "../api.js";
import { chime, flash } from "../alarm.js";
import { clear, h } from "../dom.js";
import { bearingDeg, compassPoint, distanceNm } from "../geo.js";
import { formatAge, t, units } from "../i18n.js";
import { casePoint, CLOSED, isOverdue, secondsLeft } from "./case_model.js";

// One tap each. "On scene" is progress (no outcome); the others are the crew's finding.
export const CASE_REPORTS = [
  { id: "on_scene", outcome: null },
  { id: "violation", outcome: "violation" },
  { id: "no_violation", outcome: "no_violation" },
  { id: "not_checked", outcome: "not_checked" },
];

/** POST one queued case report or instruction acknowledgement (see sendReport in tablet.js). */
export async function sendCaseEntry(r) {
  if (r.instruction) {
    try {
      return await api(`instructions/${encodeURIComponent(r.instruction)}/ack`, { method: "POST", body: {} });
    } catch (error) {
      if (error.status === 409) return null; // acknowledged already (an earlier send whose answer was lost)
      throw error;
    }
  }
  // `at`: when the crew wrote it, however late the link lets it arrive
  const body = { report_id: r.id, outcome: r.outcome ?? null, measures: r.measures || [], note: r.note || null, lat: r.lat ?? null, lon: r.lon ?? null, at: r.at };
  return api(`cases/${encodeURIComponent(r.case)}/reports`, { method: "POST", body });
}

export class CaseTasks {
  /** @param {{mmsi: number, mapView, queue: ReportQueue, page: HTMLElement, onQueued: () => void, onError}} opts */
  constructor({ mmsi, mapView, queue, page, onQueued, onError, onFocus, layer = null }) {
    this.layer = layer; // the cases' markers on the tablet's map (CaseLayer)
    this.mmsi = Number(mmsi);
    this.mapView = mapView;
    this.queue = queue;
    this.page = page;
    this.onQueued = onQueued;
    this.onError = onError;
    this.onFocus = onFocus;
    this.cases = new Map();
    this.seen = null; // instruction ids known so far; null until the first load
    this.shape = null;
    this.list = h("ol.tasks.case-tasks", { role: "list" });
    this.element = h("section.crew-tasks", {}, h("h2", { "data-i18n": "case.crew_tasks" }, t("case.crew_tasks")), this.list);
  }

  /** Instructions addressed to this boat. */
  mine(c) {
    return (c.instructions || []).filter((i) => i.to === `patrol:${this.mmsi}`);
  }

  async load() {
    try {
      const listed = items(await api("cases", { params: { patrol: this.mmsi } }), "cases").filter((c) => !CLOSED.has(c.status));
      const detailed = await Promise.all(listed.map((c) => (c.instructions ? c : api(`cases/${encodeURIComponent(c.id)}`).catch(() => c))));
      this.cases = new Map(detailed.map((c) => [c.id, c]));
      this.announce(detailed, this.seen !== null);
    } catch (error) {
      if (error.status && error.status !== 404) this.onError(error);
    }
    this.render();
  }

  /** A `case` push: keep it if it is (still) ours and open; fetch its instructions if the push lacks them. */
  async push(c) {
    let full = c;
    if (!c.instructions && !CLOSED.has(c.status)) full = await api(`cases/${encodeURIComponent(c.id)}`).catch(() => c);
    const ours = Number(full.patrol_mmsi) === this.mmsi || this.mine(full).length > 0;
    if (!ours || CLOSED.has(full.status)) this.cases.delete(full.id);
    else this.cases.set(full.id, { ...this.cases.get(full.id), ...full });
    this.announce([full], true);
    this.render();
  }

  /** An `instruction` push: a new one to this boat chimes at once; its case follows. */
  async pushInstruction(message) {
    if (message.case) await this.push(message.case);
  }

  /** Chime and flash for an instruction to this boat not seen before. */
  announce(cases, loud) {
    const fresh = [];
    this.seen ??= new Set();
    for (const c of cases) for (const i of this.mine(c)) if (!this.seen.has(i.id)) { this.seen.add(i.id); if (!i.acknowledged_at) fresh.push(i.id); }
    if (loud && fresh.length) {
      this.fresh = new Set(fresh);
      chime();
      flash(this.page);
    }
  }

  target(c) {
    return casePoint(c, (m) => this.mapView.vessels.get(m));
  }

  render() {
    const me = this.mapView.vessels.get(this.mmsi);
    const pendingAcks = new Set(this.queue.pending().filter((r) => r.instruction).map((r) => r.instruction));
    const queued = new Map();
    for (const r of this.queue.pending()) if (r.case && !r.instruction) queued.set(r.case, (queued.get(r.case) || 0) + 1);
    const rows = [...this.cases.values()].map((c) => {
      const p = this.target(c);
      return { c, p, range: me && p ? distanceNm(me.lat, me.lon, p[1], p[0]) : null };
    }).sort((a, b) => (a.range ?? 1e9) - (b.range ?? 1e9));
    const shape = [t("case.crew_tasks"), ...rows.map(({ c }) => `${c.id}:${c.status}:${isOverdue(c) ? 1 : 0}:${queued.get(c.id) || 0}:${this.mine(c).map((i) => `${i.id}${i.acknowledged_at ? "a" : ""}${pendingAcks.has(i.id) ? "q" : ""}`).join(",")}`)].join("|");
    if (shape === this.shape) {
      for (const { c, p, range } of rows) {
        const li = this.list.querySelector(`li.task[data-id="${CSS.escape(c.id)}"]`);
        if (li) { li.querySelector(".nav").textContent = this.navText(me, p, range); li.querySelector(".deadline").textContent = this.deadlineText(c); }
      }
      return;
    }
    this.shape = shape;
    this.layer?.setCases([...this.cases.values()], (m) => this.mapView.vessels.get(m));
    clear(this.list);
    if (!rows.length) this.list.append(h("li.empty", {}, t("case.crew_none")));
    for (const row of rows) this.list.append(this.card(row, me, pendingAcks, queued.get(row.c.id) || 0));
  }

  navText(me, p, range) {
    if (!me || !p) return t("tablet.no_fix");
    const bearing = bearingDeg(me.lat, me.lon, p[1], p[0]);
    return t("tablet.bearing_distance", { bearing: units.degrees(bearing), point: t(`compass.${compassPoint(bearing)}`), distance: units.nm(range) });
  }

  deadlineText(c) {
    const left = secondsLeft(c);
    if (left == null) return "";
    return left >= 0 ? t("case.due_in", { age: formatAge(left) }) : t("case.late_by", { age: formatAge(-left) });
  }

  card({ c, p }, me, pendingAcks, queued) {
    const vessel = c.mmsi ? this.mapView.vessels.get(c.mmsi) : null;
    const range = me && p ? distanceNm(me.lat, me.lon, p[1], p[0]) : null;
    return h("li.task", {
      dataset: { id: c.id, kind: "case", priority: c.priority, status: c.status, overdue: isOverdue(c) ? "1" : "" },
      onclick: (e) => e.target.tagName !== "BUTTON" && p && this.onFocus(p),
    },
      h("div.row", {}, h("span.prio", {}, t(`case.priority.${c.priority}`)), h("h3", {}, c.title || t(`case.type.${c.type}`)), h("span.deadline.age", {}, this.deadlineText(c))),
      h("div.row", {}, t(`case.type.${c.type}`), c.mmsi ? ` · ${vessel?.name || `MMSI ${c.mmsi}`}` : "", h("span.status", {}, t(`case.status.${c.status}`)), isOverdue(c) ? h("span.badge.overdue", {}, t("case.overdue")) : null),
      h("div.row.nav", {}, this.navText(me, p, range)),
      ...this.mine(c).map((i) => h(`div.instruction-row${this.fresh?.has(i.id) ? ".new-instruction" : ""}`, { dataset: { instruction: i.id } },
        h("div.instruction-text", {}, i.text),
        i.acknowledged_at ? h("span.acked", {}, t("instruction.acked_short"))
          : pendingAcks.has(i.id) ? h("span.unacked", {}, t("instruction.ack_queued"))
            : h("button.big.primary", { type: "button", dataset: { action: "ack-instruction" }, onclick: () => this.ack(c, i) }, t("instruction.ack")))),
      queued ? h("p.queued", {}, t("tablet.queued", { n: queued })) : null,
      h("div.actions.results", {}, CASE_REPORTS.map((k) => h("button.big", { type: "button", dataset: { action: "case-report", report: k.id }, onclick: () => this.report(c, k) }, t(`case.crew_report.${k.id}`)))));
  }

  ack(c, i) {
    this.queue.add({ instruction: i.id, case: c.id, note: "" });
    this.onQueued();
  }

  report(c, kind) {
    const me = this.mapView.vessels.get(this.mmsi);
    this.queue.add({ case: c.id, kind: kind.id, outcome: kind.outcome, note: t(`case.crew_report.${kind.id}`), lat: me?.lat ?? null, lon: me?.lon ?? null });
    this.onQueued();
  }
}
