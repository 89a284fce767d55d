// The alert panel shared by the centre console and the office view: filters, the sorted
// list with ages, the operator actions, and each alert's case history on demand (every
// state change and field report with actor and time, kept current by the live pushes). Actions go to the server; the list changes when
// the server's answer (or its WebSocket push) says so, never optimistically. Each card says
// why (the figures behind the alert), whether the situation has ended and how far it has
// been escalated; only the buttons the user's role may use are shown, and closing asks for
// a reason and can be undone for a minute (close_dialog.js).

import { api } from "./api.js";
import { ageSeconds, AlertList, byOldestOpen, bySeverity, OPEN, RULES, STATUSES } from "./alert_list.js";
import { alertFigures, escalation, historyNote, isEnded, lastKnown, raisedInModes, vesselsLine, zoneName } from "./alert_figures.js";
import { chime, flash } from "./alarm.js";
import { askReason, HeldActions } from "./close_dialog.js";
import { clear, h, options } from "./dom.js";
import { formatAge, formatDateTime, formatTime, t } from "./i18n.js";

const CENTRE = ["operator", "supervisor", "admin"];
const ACTIONS = [
  { id: "ack", path: "ack", when: (a) => a.status === "open" },
  { id: "resolve", path: "resolve", when: (a) => OPEN.has(a.status), roles: [...CENTRE, "office"], reason: true },
  { id: "false_alarm", path: "false_alarm", when: (a) => OPEN.has(a.status), roles: [...CENTRE, "office"], reason: true },
  { id: "silence", when: (a) => OPEN.has(a.status) && a.mmsi != null, request: silenceRequest, roles: CENTRE },
];

/** The actions a role may use (the server refuses the others with 403: do not offer them). */
export function actionsFor(role) {
  return ACTIONS.filter((a) => !a.roles || a.roles.includes(role));
}

/** Silence this vessel's alerts of this rule for the next hour (POST /api/silences). */
function silenceRequest(alert) {
  const start = Date.now() / 1000;
  return ["silences", { mmsi: alert.mmsi, rule: alert.rule, start, end: start + 3600, reason: t("action.silence") }];
}

export class AlertPanel {
  /**
   * @param {{mode: "centre"|"office", offices: object[], officeName: (id) => string,
   *          vesselName: (mmsi) => string|null (the name the map knows), onSelect: (alert) => void, fixedOffice?: string}} options
   */
  constructor({ mode, offices, officeName, vesselName, onSelect, fixedOffice = null, flashTarget = null, decorate = null, decorateKey = null, role = "operator", zones = null }) {
    this.decorate = decorate; // (alert) => extra rows (its case, case buttons)
    // What the extra rows depend on besides the alert (its case's id and status): a card is
    // reused while its key is unchanged, so a case opened on the alert must change the key.
    this.decorateKey = decorateKey;
    this.mode = mode;
    this.actions = actionsFor(role);
    this.zones = zones;
    this.held = new HeldActions((entry) => this.send(entry.alert, ACTIONS.find((a) => a.id === entry.action), { note: entry.note }));
    this.held.onChange = () => this.render();
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

  /** Rebuild only the cards whose content changed and move nodes only when the order did:
   * pushes arrive every few seconds, and a card redrawn between a press and its release
   * loses the click (or opens a dialog twice). */
  render() {
    const alerts = this.visible().slice(0, 300);
    const cards = new Map();
    const wanted = alerts.map((alert) => {
      const key = this.cardKey(alert);
      const old = this.cards?.get(alert.id);
      const li = old && old.key === key ? old.li : this.item(alert);
      cards.set(alert.id, { key, li });
      return li;
    });
    this.cards = cards;
    if (!alerts.length) wanted.push(h("li.empty", {}, t("alerts.none")));
    const current = [...this.items.children];
    if (current.length !== wanted.length || current.some((el, i) => el !== wanted[i])) this.items.replaceChildren(...wanted);
    this.count.textContent = t("alerts.count", { n: this.visible().length });
    for (const listener of this.listeners) listener(this.list.all());
  }

  cardKey(alert) {
    const held = this.held.get(alert.id);
    const history = this.histories.has(alert.id) ? this.histories.get(alert.id) ?? "loading" : null;
    return JSON.stringify([alert, held?.action, history, document.documentElement.lang, this.vesselName(alert.mmsi), this.vesselName(alert.other_mmsi), this.decorateKey?.(alert) ?? null]);
  }

  item(alert) {
    const held = this.held.get(alert.id);
    const ended = isEnded(alert);
    const level = escalation(alert);
    const li = h("li.alert-item", {
      dataset: { id: alert.id, severity: alert.severity, status: alert.status, ended: ended ? "1" : "", held: held ? held.action : "" },
      tabindex: 0,
      onclick: (e) => e.target.tagName !== "BUTTON" && this.onSelect(alert),
      onkeydown: (e) => e.key === "Enter" && e.target === li && this.onSelect(alert),
    });
    const where = [alert.office ? this.officeName(alert.office) : null, zoneName(this.zones, alert.zone), alert.cell].filter(Boolean).join(" · ");
    const figures = alertFigures(alert, { zones: this.zones });
    const known = lastKnown(alert);
    li.append(...[
      h("div.row", {},
        h("span.severity", {}, t(`severity.${alert.severity}`)),
        h("strong.rule", {}, t(`rule.${alert.rule}`)),
        h("span.status", {}, t(`status.${alert.status}`))),
      h("div.row.badges", {},
        ended ? h("span.badge.ended", {}, t("alerts.ended")) : null,
        level ? h("span.badge.escalated", { dataset: { level } }, t(`escalation.${level}`)) : null,
        modesBadge(alert)),
      h("div.row.vessel", {}, alert.mmsi ? vesselsLine(alert, (m) => this.vesselName(m))
        : alert.track ? t("radar.alert_target", alert.track) : ""), // radar_only: no MMSI
      figures ? h("div.row.figures", {}, figures) : null,
      known ? h("div.row.figures.last-known", {}, known) : null,
      h("div.row.where", {}, where),
      h("div.row.when", {},
        h("time", { datetime: alert.raised_at }, formatDateTime(alert.raised_at)),
        h("span.age", { dataset: { raised: alert.raised_at, open: alert.status === "open" ? "1" : "" } }, this.age(alert))),
      held ? this.heldRow(alert, held) : h("div.actions", {}, this.actions.filter((a) => a.when(alert)).map((a) =>
        h("button", { type: "button", dataset: { action: a.id }, onclick: () => this.act(alert, a) }, t(`action.${a.id}`))),
        h("button", { type: "button", dataset: { action: "history" }, "aria-expanded": String(this.histories.has(alert.id)), onclick: () => this.toggleHistory(alert.id) }, t("action.history"))),
      ...(this.decorate ? this.decorate(alert) : []),
      this.histories.has(alert.id) ? this.historyList(this.histories.get(alert.id)) : null,
    ].filter(Boolean));
    return li;
  }

  /** A close held for its undo minute: what will be sent, and the undo button. */
  heldRow(alert, held) {
    const left = Math.max(0, Math.ceil((held.until - Date.now()) / 1000));
    return h("div.actions.held", {},
      h("span.held-note", {}, t("close.held", { action: t(`action.${held.action}`), n: left })),
      h("button", { type: "button", dataset: { action: "undo" }, onclick: () => this.held.undo(alert.id) }, t("close.undo")),
      h("button", { type: "button", dataset: { action: "send-now" }, onclick: () => this.held.commit(alert.id) }, t("close.send_now")));
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
    // `updated` rows (older servers wrote one a minute) are figures, not decisions: the card
    // shows the latest figures instead.
    const shown = rows.filter((r) => r.change !== "updated");
    return h("ol.alert-history", {}, shown.map((r) => h("li", { dataset: { change: r.change } },
      h("time", { datetime: new Date(r.at * 1000).toISOString() }, formatDateTime(r.at, { seconds: true })),
      h("span.change", {}, t(`change.${r.change}`)),
      h("span.actor", {}, r.actor ?? t("history.system")),
      r.note ? h("q.note", {}, historyNote(r)) : null)));
  }

  /** Open: how long it has waited. Once someone acted: who, when (the server's record,
   * `acknowledged_at`/`acknowledged_by`) and the time it took; the wait stopped there. */
  age(alert) {
    if (alert.status === "open") return t("alerts.waiting", { age: formatAge(ageSeconds(alert)) });
    if (alert.acknowledged_at) {
      return t("alerts.acked_by", {
        who: alert.acknowledged_by ?? t("history.system"),
        time: formatTime(alert.acknowledged_at),
        age: formatAge(ageSeconds(alert, Date.parse(alert.acknowledged_at))),
      });
    }
    return "";
  }

  renderAges() {
    for (const el of this.items.querySelectorAll(".age")) {
      if (el.dataset.open) el.textContent = t("alerts.waiting", { age: formatAge(ageSeconds({ raised_at: el.dataset.raised })) });
    }
    for (const el of this.items.querySelectorAll(".held-note")) {
      const held = this.held.get(el.closest(".alert-item").dataset.id);
      if (held) el.textContent = t("close.held", { action: t(`action.${held.action}`), n: Math.max(0, Math.ceil((held.until - Date.now()) / 1000)) });
    }
  }

  /** Resolve and false alarm ask why and are held for the undo minute; the rest go at once. */
  async act(alert, action) {
    if (!action.reason) return this.send(alert, action);
    if (document.querySelector("dialog.close-dialog[open]")) return; // one question at a time
    const note = await askReason(action.id, `${t(`rule.${alert.rule}`)} · ${vesselsLine(alert, (m) => this.vesselName(m))}`);
    if (note !== null) this.held.hold(alert, action.id, note);
  }

  async send(alert, action, body = {}) {
    try {
      const [path, payload] = action.request ? action.request(alert) : [`alerts/${encodeURIComponent(alert.id)}/${action.path}`, body];
      const updated = await api(path, { method: "POST", body: payload });
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

/** The badge of the modes the alert was raised under (alert_figures.raisedInModes). */
function modesBadge(alert) {
  const text = raisedInModes(alert);
  return text ? h("span.badge.mode", { dataset: { modes: alert.details.modes.join(" ") } }, text) : null;
}
