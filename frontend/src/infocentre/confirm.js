// Asking before a change that the whole watch feels: switching the rule set of the waters,
// withdrawing a published notice. The dialog says what will happen in words; the change is
// recorded in the audit with the actor, so the question is also "are you the one to do it".

import { h } from "../dom.js";
import { t } from "../i18n.js";

/** Resolves to true when the user confirms `title` (with `lines` of detail), else false. */
export function confirmChange(title, lines, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h("dialog.close-dialog.info-confirm", { "aria-labelledby": "info-confirm-title" },
      h("form", { method: "dialog" },
        h("h2", { id: "info-confirm-title" }, title),
        ...lines.filter(Boolean).map((line) => h("p", {}, line)),
        h("p.muted", {}, t("confirm.audit")),
        h("div.actions", {},
          h("button", { type: "submit", value: "cancel", dataset: { role: "cancel" } }, t("close.cancel")),
          h("button.primary", { type: "submit", value: "ok", dataset: { role: "confirm" } }, confirmLabel))));
    dialog.addEventListener("close", () => {
      const ok = dialog.returnValue === "ok";
      dialog.remove();
      resolve(ok);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
