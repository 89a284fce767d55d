// One case, as the duty officer works it: its fields and deadline, the actions its state
// allows, the instructions (who has and has not acknowledged, for how long), the field
// reports, the vessel's record of the last 12 months (repeat offenders), the emergency
// assistance list, and the append-only history, oldest first as a case file reads.

import { clear, h } from "../dom.js";
import { formatAge, formatDateTime, formatLatLon, formatNumber, t, toMillis, units } from "../i18n.js";
import { CLOSED, instructionTarget, isOverdue, secondsLeft } from "./case_model.js";

export class CasePanel {
  constructor(desk) {
    this.desk = desk;
    this.caseId = null;
    this.body = h("div.body");
    this.element = h("aside.case-panel", { hidden: true, "aria-label": "case" },
      h("button.close", { type: "button", "data-i18n-title": "action.close", title: t("action.close"), onclick: () => this.close() }, "×"),
      this.body);
    this.timer = setInterval(() => this.caseId && this.tick(), 1000);
    window.addEventListener("langchange", () => this.render());
  }

  show(id) {
    this.caseId = id;
    this.element.hidden = false;
    this.render();
  }

  close() {
    this.caseId = null;
    this.element.hidden = true;
    this.desk.onPanelClosed?.();
  }

  current() {
    return this.caseId ? this.desk.list.get(this.caseId) : null;
  }

  render() {
    const c = this.current();
    if (!c) return;
    const now = Date.now();
    const desk = this.desk;
    const overdue = isOverdue(c, now);
    this.element.dataset.id = c.id;
    this.element.dataset.status = c.status;
    this.element.dataset.overdue = overdue ? "1" : "";
    const scroll = this.element.scrollTop;
    clear(this.body).append(...[
      h("div.case-head", {},
        h("span.prio", { dataset: { priority: c.priority } }, t(`case.priority.${c.priority}`)),
        h("span.chip", {}, t(`case.type.${c.type}`)),
        h("span.chip.status", {}, t(`case.status.${c.status}`)),
        overdue ? h("span.badge.overdue", {}, t("case.overdue")) : null),
      h("h2.case-title", {}, c.title || t(`case.type.${c.type}`)),
      h("dl", {},
        row("case.office", desk.officeName(c.office)),
        row("case.vessel", c.mmsi ? h("a", { href: "#", onclick: (e) => { e.preventDefault(); desk.openVessel(c.mmsi); } }, desk.vesselName(c.mmsi)) : null),
        row("case.patrol", c.patrol_mmsi ? desk.patrolName(c.patrol_mmsi) : null),
        row("case.deadline", c.deadline ? h("span.deadline-text", {}, formatDateTime(c.deadline), " ", h("span.left", {}, this.leftText(c, now))) : null),
        row("case.created", `${formatDateTime(c.created_at)} · ${c.created_by ?? t("history.system")}`),
        row("case.alerts", (c.alert_ids || []).length ? (c.alert_ids || []).map((id) => desk.alertLabel(id)).join("；") : null),
        c.lat != null ? row("case.position", formatLatLon(c.lat, c.lon)) : null,
        c.note ? row("case.description", c.note) : null,
        c.outcome ? row("case.outcome", t(`case.outcome.${c.outcome}`)) : null,
        (c.measures || []).length ? row("case.measures", c.measures.map((m) => measureLabel(m)).join("、")) : null,
        c.close_reason ? row("case.reason", c.close_reason) : null,
        (c.escalated_to || []).length ? row("case.escalated", c.escalated_to.map((l) => t(`case.level.${l}`)).join(" → ")) : null),
      this.actions(c),
      this.emergency(c),
      this.instructions(c, now),
      this.reports(c),
      this.record(c),
      this.history(c)].filter(Boolean));
    this.element.scrollTop = scroll;
  }

  leftText(c, now) {
    if (CLOSED.has(c.status)) return "";
    const left = secondsLeft(c, now);
    if (left == null) return "";
    return left >= 0 ? t("case.due_in", { age: formatAge(left) }) : t("case.late_by", { age: formatAge(-left) });
  }

  /** Countdowns and waiting times move every second; nothing else is rebuilt. */
  tick() {
    const c = this.current();
    if (!c) return;
    const now = Date.now();
    const left = this.body.querySelector(".deadline-text .left");
    if (left) left.textContent = this.leftText(c, now);
    for (const el of this.body.querySelectorAll("[data-waiting-since]")) el.textContent = t("instruction.waiting", { age: formatAge((now - Number(el.dataset.waitingSince)) / 1000) });
  }

  actions(c) {
    const can = this.desk.can;
    const open = !CLOSED.has(c.status);
    const button = (id, onclick, cls = "") => h(`button${cls}`, { type: "button", dataset: { action: id }, onclick }, t(`case.action.${id}`));
    return h("div.actions.case-actions", {},
      open && can.assign(c) ? button("assign", () => this.desk.assign(c)) : null,
      open && can.instruct(c) ? button("instruct", () => this.desk.instruct(c)) : null,
      open && can.report(c) ? button("report", () => this.desk.report(c)) : null,
      open && can.close(c) ? button("close", () => this.desk.transition(c, "close"), ".primary") : null,
      open && can.cancel(c) ? button("cancel", () => this.desk.transition(c, "cancel")) : null,
      !open && can.reopen(c) ? button("reopen", () => this.desk.transition(c, "reopen")) : null,
      c.lat != null || c.area || c.mmsi ? button("locate", () => this.desk.locate(c)) : null);
  }

  emergency(c) {
    const info = this.desk.emergencyOf(c);
    if (!info) return null;
    const rows = (list, withButton) => h("table.assist", {},
      h("thead", {}, h("tr", {}, h("th", {}, t("incident.vessel")), h("th.num", {}, t("incident.distance")), h("th.num", {}, t("incident.eta")), withButton ? h("th") : null)),
      h("tbody", {}, list.length ? list.map((a) => h("tr", { dataset: { mmsi: a.mmsi, patrol: a.patrol ? "1" : "" } },
        h("td", {}, a.patrol ? h("span.patrol-tag", {}, t("incident.patrol")) : null, " ", a.name || this.desk.vesselName(a.mmsi)),
        h("td.num", {}, units.nm(a.distance_nm)),
        h("td.num", {}, a.eta_min == null ? t("value.none") : t("incident.minutes", { n: formatNumber(a.eta_min, 0) })),
        withButton ? h("td", {}, CLOSED.has(c.status) || !this.desk.can.instruct(c) ? null
          : h("button", { type: "button", dataset: { action: "instruct-assist" }, onclick: () => this.desk.instructAssist(c, a) }, t("incident.instruct"))) : null))
        : h("tr", {}, h("td.empty", { colspan: 4 }, t("incident.none")))));
    return h("section.case-section.emergency", {},
      h("h3", {}, t("incident.title"), " · ", t(`incident.kind.${info.kind}`), " · ", t("incident.radius", { value: units.nm(info.radius_nm) })),
      h("h4", {}, t("incident.assist")), rows(info.assist.slice(0, 8), true),
      h("h4", {}, t("incident.within", { n: formatNumber(info.within.length) })), rows(info.within.slice(0, 30), false));
  }

  instructions(c, now) {
    const list = c.instructions || [];
    return h("section.case-section", {}, h("h3", {}, t("instruction.title"), " ", h("span.muted", {}, formatNumber(list.length))),
      list.length ? h("ol.instructions", {}, list.map((i) => {
        const sent = toMillis(i.created_at ?? i.at);
        const acked = toMillis(i.acknowledged_at);
        const late = !i.acknowledged_at && toMillis(i.deadline) < now;
        const target = instructionTarget(i.to);
        const receiver = target.kind === "patrol" ? this.desk.patrolName(target.id) : this.desk.officeName(target.id);
        return h("li.instruction", { dataset: { id: i.id, acked: i.acknowledged_at ? "1" : "", late: late ? "1" : "" } },
          h("div.row", {}, h("strong", {}, t("instruction.to", { to: receiver })), h("span.muted", {}, `${formatDateTime(i.created_at ?? i.at)} · ${i.by ?? ""}`)),
          h("div.text", {}, i.text),
          h("div.row", {},
            i.acknowledged_at
              ? h("span.ack", {}, t("instruction.acked", { who: i.acknowledged_by ?? receiver, age: formatAge(Number.isFinite(sent) ? (acked - sent) / 1000 : 0) }))
              : h("span.waiting", { dataset: { waitingSince: Number.isFinite(sent) ? sent : now } }, t("instruction.waiting", { age: formatAge(Number.isFinite(sent) ? (now - sent) / 1000 : 0) })),
            late ? h("span.badge.overdue", {}, t("instruction.late")) : null,
            !i.acknowledged_at && this.desk.can.ackInstruction(i) ? h("button.primary", { type: "button", dataset: { action: "ack-instruction" }, onclick: () => this.desk.ackInstruction(c, i) }, t("instruction.ack")) : null));
      })) : h("p.muted", {}, t("instruction.none")));
  }

  reports(c) {
    const list = c.reports || (c.history || []).filter((r) => r.change === "reported").map((r) => ({ note: r.note, at: r.at, by: r.actor }));
    return h("section.case-section", {}, h("h3", {}, t("case.reports"), " ", h("span.muted", {}, formatNumber(list.length))),
      list.length ? h("ol.reports", {}, list.map((r) => h("li.report", { dataset: { outcome: r.outcome || "" } },
        h("div.row", {}, r.outcome ? h("strong", {}, t(`case.outcome.${r.outcome}`)) : null, h("span.muted", {}, `${formatDateTime(r.at ?? r.created_at)} · ${r.by ?? r.actor ?? ""}`)),
        (r.measures || []).length ? h("div", {}, t("case.measures"), ": ", r.measures.map((m) => measureLabel(m)).join("、")) : null,
        r.note ? h("q.note", {}, r.note) : null,
        r.lat != null ? h("div.muted", {}, formatLatLon(r.lat, r.lon)) : null))) : h("p.muted", {}, t("case.no_reports")));
  }

  /** The vessel's earlier alerts, cases, outcomes and measures (12 months): the repeat-offender view. */
  record(c) {
    if (!c.mmsi) return null;
    // the case's detail carries the record (GET /api/cases/{id}: `vessel_record`); else it is fetched
    const rec = c.vessel_record || this.desk.recordOf(c.mmsi);
    const head = h("h3", {}, t("case.record"), " ", h("span.muted", {}, this.desk.vesselName(c.mmsi)));
    if (!rec) return h("section.case-section.record", {}, head, h("p.muted", {}, t("history.loading")));
    const cases = rec.cases.filter((x) => x.id !== c.id);
    const violations = cases.filter((x) => x.outcome === "violation").length;
    return h("section.case-section.record", { dataset: { repeat: violations ? "1" : "" } }, head,
      h("p.summary", {}, t("case.record_summary", { alerts: formatNumber(rec.alerts.length), cases: formatNumber(cases.length), violations: formatNumber(violations) })),
      cases.length ? h("ul.record-cases", {}, cases.slice(0, 10).map((x) => h("li", { dataset: { outcome: x.outcome || "" } },
        h("a", { href: "#", onclick: (e) => { e.preventDefault(); this.desk.open(x.id); } }, x.title || t(`case.type.${x.type}`)),
        ` · ${formatDateTime(x.created_at)} · ${x.outcome ? t(`case.outcome.${x.outcome}`) : t(`case.status.${x.status}`)}`,
        (x.measures || []).length ? ` · ${x.measures.map((m) => measureLabel(m)).join("、")}` : ""))) : null,
      rec.alerts.length ? h("ul.record-alerts", {}, rec.alerts.slice(0, 8).map((a) => h("li", { dataset: { severity: a.severity || "" } }, `${t(`rule.${a.rule}`)} · ${formatDateTime(a.raised_at)} · ${t(`status.${a.status}`)}`))) : null);
  }

  history(c) {
    const rows = c.history || [];
    return h("section.case-section", {}, h("h3", {}, t("case.history")),
      rows.length ? h("ol.alert-history.case-history", {}, rows.map((r) => h("li", { dataset: { change: r.change } },
        h("time", {}, formatDateTime(r.at)),
        h("span.change", {}, changeLabel(r.change)),
        h("span.actor", {}, r.actor ?? t("history.system")),
        r.note ? h("q.note", {}, r.note) : null))) : h("p.muted", {}, t("history.loading")));
  }

  destroy() {
    clearInterval(this.timer);
  }
}

function row(key, value) {
  if (value === null || value === undefined || value === "") return null;
  return [h("dt", {}, t(key)), h("dd", { dataset: { field: key.split(".")[1] } }, value)];
}

/** History changes and measures are open vocabularies: a known one is translated, others shown as sent. */
function changeLabel(change) {
  const key = `case.change.${change}`;
  const text = t(key);
  return text === key ? change : text;
}

export function measureLabel(m) {
  const key = `case.measure.${m}`;
  const text = t(key);
  return text === key ? m : text;
}
