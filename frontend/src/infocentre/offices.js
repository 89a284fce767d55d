// Which office a new record belongs to. Centre users (operator, supervisor, admin) pick any
// office or the centre itself; an office user's records are its own office's (the server
// refuses any other, docs/infocentre.md "Who may do what"), so it is offered nothing else.

import { h, options } from "../dom.js";
import { t } from "../i18n.js";

export const CENTRE_ROLES = new Set(["operator", "supervisor", "admin"]);

export function isCentre(user) {
  return CENTRE_ROLES.has(user?.role);
}

/** A <select name="office"> for `ctx.user`; "" is the centre (a centre-wide record). */
export function officeSelect(ctx) {
  const select = h("select", { name: "office" });
  const fill = () => {
    const ids = isCentre(ctx.user) ? ["", ...ctx.offices.map((o) => o.id)] : [ctx.user.office];
    options(select, ids, (id) => (id ? ctx.officeName(id) : t("info.centre")));
    select.disabled = ids.length < 2;
  };
  fill();
  window.addEventListener("langchange", fill);
  return select;
}

/** The form's office as the API wants it: null for the centre. */
export function officeValue(select) {
  return select.value || null;
}
