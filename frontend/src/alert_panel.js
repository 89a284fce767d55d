// The alert panel shared by the centre console and the office view: filters, the sorted
// list with ages, the operator actions, and each alert's case history on demand (every
// state change and field report with actor and time, kept current by the live pushes). Actions go to the server; the list changes when
// the server's answer (or its WebSocket push) says so, never optimistically.

import { api } from "./api.js";
import { ageSeconds, AlertList, byOldestOpen, bySeverity, OPEN, RULES, STATUSES } from "./alert_list.js";
import { chime, flash } from "./alarm.js";
import { clear, h, options } from "./dom.js";
import { formatAge, formatDateTime, formatTime, t } from "./i18n.js";

const ACTIONS = [
  { id: "ack", path: "ack", when: (a) => a.status === "open" },
  { id: "resolve", path: "resolve", when: (a) => OPEN.has(a.status) },
  { id: "false_alarm", path: "false_alarm", when: (a) => OPEN.has(a.status) },
  { id: "silence", when: (a) => OPEN.has(a.status) && a.mmsi != null, request: silenceRequest },
];

/** Silence this vessel's alerts of this rule for the next hour (POST /api/silences). */
function silenceRequest(alert) {
  const start = Date.now() / 1000;
  return ["silences", { mmsi: alert.mmsi, rule: alert.rule, start, end: start + 3600, reason: t("action.silence") }];
}

export class AlertPanel {
  /**
   * @param {{mode: "centre"|"office", offices: object[], officeName: (id) => string,
   *          vesselName: (mmsi) => string, onSelect: (alert) => void, fixedOffice?: string}} options
   */
  constructor({ mode, offices, officeName, vesselName, onSelect, fixedOffice = null, flashTarget = null, decorate = null }) {
    this.decorate = decorate; // (alert) => extra rows (its case, case buttons)
    this.mode = mode;
    this.offices = offices;
    this.officeName = officeName;
    this.vesselName = vesselName;
    this.onSelect = onSelect;
    this.fixedOffice = fixedOffice;
    this.flashTarget = flashTarget;
    this.list = new AlertList();
    this.histories = new Map(); // alert id -> its history rows (null while loading), if shown
    this.listeners = new Set();
    this.element = this.build();
    this.timer = setInterval(() => this.renderAges(), 1000);
    window.addEventListener("langchange", () => this.relabel());
  }

  build() {
    this.office = h("select.filter", { name: "office", onchange: () => this.render() });
    this.rule = h("select.filter", { name: "rule", onchange: () => this.render() });
    this.status = h("select.filter", { name: "status", onchange: () => this.render() });
    this.count = h("span.count");
    this.items = h("ol.alert-items", { role: "list" });
    this.relabel();
    this.status.value = "active";
    const filters = h("div.filters", {}, this.fixedOffice ? null : this.office, this.rule, this.status);
    return h("section.alert-panel", { "aria-labelledby": "alerts-title" },
      h("header", {}, h("h2", { id: "alerts-title", "data-i18n": "alerts.title" }, t("alerts.title")), this.count),
      filters, this.items);
  }

  relabel() {
    options(this.office, ["", ...this.offices.map((o) => o.id)], (v) => (v ? this.officeName(v) : t("filter.all_offices")));
    options(this.rule, ["", ...RULES], (v) => (v ? t(`rule.${v}`) : t("filter.all_rules")));
    options(this.status, ["active", "", ...STATUSES], (v) => (v ? t(`status.${v}`) : t("filter.all_states")));
    this.render();
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  async load() {
    const params = { office: this.fixedOffice, limit: 500 };
    const data = await api("alerts", { params });
    this.list.reset(Array.isArray(data) ? data : data.items ?? data.alerts ?? []);
    this.render();
  }

  /** A pushed alert: merge it, and announce a new critical one by sound and flash. */
  push(alert, message = {}) {
    if (this.fixedOffice && alert.office !== this.fixedOffice) return;
    if (this.histories.has(alert.id) && message.change) this.loadHistory(alert.id);
    if (this.list.upsert(alert)) {
      chime();
      flash(this.flashTarget || this.element);
    }
    this.render();
  }

  visible() {
    const filters = {
      office: this.fixedOffice || this.office.value,
      rule: this.rule.value,
      status: this.status.value,
    };
    return this.list.filtered(filters).sort(this.mode === "office" ? byOldestOpen : bySeverity);
  }

  render() {
    const alerts = this.visible();
    clear(this.items);
    for (const alert of alerts.slice(0, 300)) this.items.append(this.item(alert));
    if (!alerts.length) this.items.append(h("li.empty", {}, t("alerts.none")));
    this.count.textContent = t("alerts.count", { n: alerts.length });
    for (const listener of this.listeners) listener(this.list.all());
  }

  item(alert) {
    const li = h("li.alert-item", {
      dataset: { id: alert.id, severity: alert.severity, status: alert.status },
      tabindex: 0,
      onclick: (e) => e.target.tagName !== "BUTTON" && this.onSelect(alert),
      onkeydown: (e) => e.key === "Enter" && this.onSelect(alert),
    });
    const vessel = alert.mmsi ? this.vesselName(alert.mmsi)
      : alert.track ? t("radar.alert_target", alert.track) : ""; // radar_only: no MMSI
    const where = [alert.office ? this.officeName(alert.office) : null, alert.zone, alert.cell].filter(Boolean).join(" · ");
    li.append(
      h("div.row", {},
        h("span.severity", {}, t(`severity.${alert.severity}`)),
        h("strong.rule", {}, t(`rule.${alert.rule}`)),
        h("span.status", {}, t(`status.${alert.status}`))),
      h("div.row.vessel", {}, vessel, alert.other_mmsi ? ` ↔ ${this.vesselName(alert.other_mmsi)}` : ""),
      h("div.row.where", {}, where),
      h("div.row.when", {},
        h("time", { datetime: alert.raised_at }, formatDateTime(alert.raised_at)),
        h("span.age", { dataset: { raised: alert.raised_at, open: OPEN.has(alert.status) ? "1" : "" } }, this.age(alert))),
      h("div.actions", {}, ACTIONS.filter((a) => a.when(alert)).map((a) =>
        h("button", { type: "button", dataset: { action: a.id }, onclick: () => this.act(alert, a) }, t(`action.${a.id}`))),
        h("button", { type: "button", dataset: { action: "history" }, "aria-expanded": String(this.histories.has(alert.id)), onclick: () => this.toggleHistory(alert.id) }, t("action.history"))),
      ...(this.decorate ? this.decorate(alert).filter(Boolean) : []),
      ...(this.histories.has(alert.id) ? [this.historyList(this.histories.get(alert.id))] : []),
    );
    return li;
  }

  async toggleHistory(id) {
    if (this.histories.has(id)) this.histories.delete(id);
    else await this.loadHistory(id);
    this.render();
  }

  async loadHistory(id) {
    if (!this.histories.has(id)) this.histories.set(id, null);
    try {
      const rows = await api(`alerts/${encodeURIComponent(id)}/history`);
      if (this.histories.has(id)) this.histories.set(id, rows);
    } catch (error) {
      this.histories.delete(id);
      this.element.dispatchEvent(new CustomEvent("error", { detail: error, bubbles: true }));
    }
    this.render();
  }

  /** Oldest first, as a case file reads; field reports stand out with their text. */
  historyList(rows) {
    if (rows === null) return h("p.alert-history.muted", {}, t("history.loading"));
    return h("ol.alert-history", {}, rows.map((r) => h("li", { dataset: { change: r.change } },
      h("time", { datetime: new Date(r.at * 1000).toISOString() }, formatTime(r.at)),
      h("span.change", {}, t(`change.${r.change}`)),
      h("span.actor", {}, r.actor ?? t("history.system")),
      r.note ? h("q.note", {}, r.note) : null)));
  }

  age(alert) {
    return OPEN.has(alert.status) ? t("alerts.waiting", { age: formatAge(ageSeconds(alert)) }) : "";
  }

  renderAges() {
    for (const el of this.items.querySelectorAll(".age")) {
      if (el.dataset.open) el.textContent = t("alerts.waiting", { age: formatAge(ageSeconds({ raised_at: el.dataset.raised })) });
    }
  }

  async act(alert, action) {
    try {
      const [path, body] = action.request ? action.request(alert) : [`alerts/${encodeURIComponent(alert.id)}/${action.path}`, {}];
      const updated = await api(path, { method: "POST", body });
      if (updated && updated.rule && updated.status) this.list.upsert(updated);
      else await this.load();
      this.render();
    } catch (error) {
      this.element.dispatchEvent(new CustomEvent("error", { detail: error, bubbles: true }));
    }
  }

  destroy() {
    clearInterval(this.timer);
  }
}
