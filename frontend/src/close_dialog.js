// Closing an alert is a decision that goes into the case file: resolve and false alarm ask
// for a reason (a short list plus free text) and are held for a minute before they are sent,
// with an undo button meanwhile. Holding them in the browser keeps the alert lifecycle's
// rule "status only moves forward" intact on the server: nothing is sent that must be taken
// back. If the page goes away during the minute, what is held is sent at once (keepalive).

import { h } from "./dom.js";
import { t } from "./i18n.js";

export const REASONS = {
  resolve: ["dealt_on_scene", "warned_vhf", "passed_to_office", "left_area", "other"],
  false_alarm: ["bad_ais", "zone_setting", "permitted", "duplicate", "other"],
};
export const UNDO_MS = 60_000;

/** Ask for the reason of `action` on `alert`; resolves to the note text, or null if cancelled. */
export function askReason(action, title) {
  return new Promise((resolve) => {
    const text = h("textarea", { name: "note", rows: 2, maxlength: 500, "aria-label": t("close.note") });
    const choices = REASONS[action].map((id, i) =>
      h("label.reason", {}, h("input", { type: "radio", name: "reason", value: id, checked: i === 0 }), h("span", {}, t(`close.reason.${id}`))));
    const dialog = h("dialog.close-dialog", { "aria-labelledby": "close-title" },
      h("form", { method: "dialog" },
        h("h2", { id: "close-title" }, t(`close.title.${action}`)),
        h("p.muted", {}, title),
        h("fieldset", {}, h("legend", {}, t("close.reason")), ...choices),
        h("label.note", {}, h("span", {}, t("close.note")), text),
        h("div.actions", {},
          h("button", { type: "submit", value: "cancel", dataset: { role: "cancel" } }, t("close.cancel")),
          h("button.primary", { type: "submit", value: "ok", dataset: { role: "confirm" } }, t(`action.${action}`)))));
    dialog.addEventListener("close", () => {
      const ok = dialog.returnValue === "ok";
      const reason = dialog.querySelector("input[name=reason]:checked")?.value;
      const free = text.value.trim();
      dialog.remove();
      if (!ok) return resolve(null);
      const label = reason && reason !== "other" ? t(`close.reason.${reason}`) : "";
      resolve([label, free].filter(Boolean).join("：") || t("close.reason.other"));
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A yes/no question in a dialog large enough for a finger; resolves true on yes. */
export function confirmAction(question) {
  return new Promise((resolve) => {
    const dialog = h("dialog.close-dialog.confirm", { "aria-label": question },
      h("form", { method: "dialog" },
        h("p.question", {}, question),
        h("div.actions", {},
          h("button.big", { type: "submit", value: "cancel", dataset: { role: "cancel" } }, t("close.cancel")),
          h("button.big.primary", { type: "submit", value: "ok", dataset: { role: "confirm" } }, t("close.confirm")))));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "ok");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Closing actions held for `delay` ms with an undo; `send(entry)` posts one to the server. */
export class HeldActions {
  constructor(send, delay = UNDO_MS) {
    this.send = send;
    this.delay = delay;
    this.held = new Map(); // alert id -> {alert, action, note, until, timer}
    this.onChange = () => {};
    window.addEventListener("pagehide", () => this.flushAll());
  }

  hold(alert, action, note) {
    this.undo(alert.id);
    const entry = { alert, action, note, until: Date.now() + this.delay };
    entry.timer = setTimeout(() => this.commit(alert.id), this.delay);
    this.held.set(alert.id, entry);
    this.onChange();
  }

  get(id) {
    return this.held.get(id);
  }

  undo(id) {
    const entry = this.held.get(id);
    if (!entry) return false;
    clearTimeout(entry.timer);
    this.held.delete(id);
    this.onChange();
    return true;
  }

  async commit(id) {
    const entry = this.held.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.held.delete(id);
    try {
      await this.send(entry);
    } finally {
      this.onChange();
    }
  }

  flushAll() {
    for (const id of [...this.held.keys()]) this.commit(id);
  }
}
