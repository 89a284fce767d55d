// The case board beside the alert list: quick views (open, overdue, awaiting acknowledgement,
// all), per-office counts in the console, filters, and the cases in urgency order (overdue
// first, in red, whatever the filter). A click opens the case panel.

import { clear, h, options } from "../dom.js";
import { formatAge, formatNumber, language, t } from "../i18n.js";
import { awaitingAck, boardCounts, CASE_STATUSES, CASE_TYPES, isOverdue, PRIORITIES, secondsLeft, VIEWS } from "./case_model.js";

export class CaseBoard {
  /** desk: the CaseDesk (list, officeName, vesselName, patrolName, open(id), actions). */
  constructor(desk, { mode, fixedOffice = null }) {
    this.desk = desk;
    this.mode = mode;
    this.fixedOffice = fixedOffice;
    this.view = "open";
    this.element = this.build();
    window.addEventListener("langchange", () => this.relabel());
  }

  build() {
    this.count = h("span.count");
    this.chips = h("div.case-views", { role: "tablist" });
    this.table = h("table.case-counts");
    this.office = h("select.filter", { name: "case-office", onchange: () => this.render() });
    this.status = h("select.filter", { name: "case-status", onchange: () => this.render() });
    this.type = h("select.filter", { name: "case-type", onchange: () => this.render() });
    this.priority = h("select.filter", { name: "case-priority", onchange: () => this.render() });
    this.items = h("ol.case-items", { role: "list" });
    this.newButtons = h("div.case-new", {},
      this.button("new", () => this.desk.newByHand()),
      this.button("new_area", () => this.desk.newFromArea()),
      this.button("incident", () => this.desk.newIncident(), "danger"));
    this.relabel();
    return h("section.case-board", { "aria-labelledby": "cases-title" },
      h("header", {}, h("h2", { id: "cases-title", "data-i18n": "case.board" }, t("case.board")), this.count),
      this.newButtons, this.chips,
      this.mode === "centre" ? h("details.by-office", { open: true }, h("summary", { "data-i18n": "case.by_office" }, t("case.by_office")), this.table) : null,
      h("div.filters", {}, this.fixedOffice ? null : this.office, this.status, this.type, this.priority),
      this.items);
  }

  button(id, onclick, extra = "") {
    return h(`button${extra ? "." + extra : ""}`, { type: "button", dataset: { action: `case-${id}` }, "data-i18n": `case.${id}`, onclick }, t(`case.${id}`));
  }

  relabel() {
    options(this.office, ["", ...this.desk.offices.map((o) => o.id)], (v) => (v ? this.desk.officeName(v) : t("filter.all_offices")));
    options(this.status, ["", ...CASE_STATUSES], (v) => (v ? t(`case.status.${v}`) : t("filter.all_states")));
    options(this.type, ["", ...CASE_TYPES], (v) => (v ? t(`case.type.${v}`) : t("case.all_types")));
    options(this.priority, ["", ...PRIORITIES], (v) => (v ? t(`case.priority.${v}`) : t("case.all_priorities")));
    this.render();
  }

  filters() {
    return {
      office: this.fixedOffice || this.office.value, status: this.status.value, type: this.type.value,
      priority: this.priority.value, view: this.view,
    };
  }

  render() {
    const now = Date.now();
    const list = this.desk.list;
    const scope = this.fixedOffice ? list.filtered({ office: this.fixedOffice }, now) : list.all();
    const counts = { open: 0, overdue: 0, awaiting: 0, all: scope.length };
    for (const c of scope) {
      if (c.status === "closed" || c.status === "cancelled") continue;
      counts.open++;
      if (isOverdue(c, now)) counts.overdue++;
      if (awaitingAck(c)) counts.awaiting++;
    }
    const shown = list.filtered(this.filters(), now);
    // Rebuilt only when something visible changed; the countdowns are updated in place, so a
    // click is never lost to an item redrawn between press and release.
    const signature = JSON.stringify([language(), this.view, counts, this.mode === "centre" ? boardCounts(this.desk.offices, list.all(), now) : null,
      shown.slice(0, 200).map((c) => [c.id, c.status, c.priority, c.title, c.patrol_mmsi, c.office, isOverdue(c, now), awaitingAck(c), this.desk.vesselName(c.mmsi ?? 0)])]);
    if (signature === this.signature) {
      for (const el of this.items.querySelectorAll(".deadline")) el.textContent = this.deadlineText(list.get(el.closest(".case-item").dataset.id), now);
      return;
    }
    this.signature = signature;
    clear(this.chips).append(...VIEWS.map((v) => h("button.chip", {
      type: "button", role: "tab", "aria-selected": String(this.view === v), dataset: { view: v, hot: v === "overdue" && counts.overdue ? "1" : "" },
      onclick: () => { this.view = v; this.render(); },
    }, t(`case.view.${v}`), h("b", {}, formatNumber(counts[v])))));
    if (this.mode === "centre") this.renderTable(now);
    clear(this.items);
    for (const c of shown.slice(0, 200)) this.items.append(this.item(c, now));
    if (!shown.length) this.items.append(h("li.empty", {}, t("case.none")));
    this.count.textContent = formatNumber(shown.length);
  }

  renderTable(now) {
    const rows = boardCounts(this.desk.offices, this.desk.list.all(), now);
    clear(this.table).append(
      h("thead", {}, h("tr", {}, h("th", {}, t("counts.office")), h("th.num", {}, t("case.view.open")), h("th.num", {}, t("case.view.overdue")), h("th.num", {}, t("case.view.awaiting")))),
      h("tbody", {}, rows.map((r) => h("tr", { dataset: { office: r.office.id }, onclick: () => { this.office.value = this.office.value === r.office.id ? "" : r.office.id; this.render(); } },
        h("td.office-name", { title: this.desk.officeName(r.office.id) }, this.desk.officeName(r.office.id)),
        h("td.num", {}, formatNumber(r.open)),
        h("td.num", { dataset: { hot: r.overdue ? "1" : "" } }, formatNumber(r.overdue)),
        h("td.num", {}, formatNumber(r.awaiting))))));
  }

  item(c, now) {
    const overdue = isOverdue(c, now);
    const left = secondsLeft(c, now);
    const vessel = c.mmsi ? this.desk.vesselName(c.mmsi) : null;
    const boat = c.patrol_mmsi ? this.desk.patrolName(c.patrol_mmsi) : null;
    return h("li.case-item", {
      dataset: { id: c.id, type: c.type, priority: c.priority, status: c.status, overdue: overdue ? "1" : "", awaiting: awaitingAck(c) ? "1" : "" },
      tabindex: 0, onclick: () => this.desk.open(c.id), onkeydown: (e) => e.key === "Enter" && this.desk.open(c.id),
    },
      h("div.row", {}, h("span.prio", {}, t(`case.priority.${c.priority}`)), h("strong.title", {}, c.title || t(`case.type.${c.type}`)), h("span.status", {}, t(`case.status.${c.status}`))),
      h("div.row.meta", {}, [t(`case.type.${c.type}`), this.desk.officeName(c.office), vessel].filter(Boolean).join(" · ")),
      boat ? h("div.row.meta", {}, `${t("case.patrol")}: ${boat}`) : null,
      h("div.row.when", {},
        overdue ? h("span.badge.overdue", {}, t("case.overdue")) : null,
        awaitingAck(c) ? h("span.badge.awaiting", {}, t("case.awaiting")) : null,
        left == null || c.status === "closed" || c.status === "cancelled" ? null : h("span.deadline", {}, this.deadlineText(c, now))));
  }

  deadlineText(c, now) {
    const left = c ? secondsLeft(c, now) : null;
    if (left == null) return "";
    return left >= 0 ? t("case.due_in", { age: formatAge(left) }) : t("case.late_by", { age: formatAge(-left) });
  }
}
