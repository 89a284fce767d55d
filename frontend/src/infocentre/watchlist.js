// The watchlist tab: entries with category, reason, office and expiry; add and remove.

import { api } from "../api.js";
import { clear, h, options } from "../dom.js";
import { formatTime } from "./format.js";
import { isCentre, officeSelect, officeValue } from "./offices.js";
import { t } from "../i18n.js";

const CATEGORIES = ["key_vessel", "sand_carrier", "repeat_offender", "suspended", "other"];

export function watchlistTab(ctx) {
  const list = h("table.info-table.watchlist-table");
  const office = officeSelect(ctx);
  const category = options(h("select", { name: "category" }), CATEGORIES, (c) => t(`watchlist.category.${c}`));
  const form = h("form.info-form.watchlist-form", { onsubmit: (e) => { e.preventDefault(); add(); } },
    h("label", {}, h("span", { "data-i18n": "watchlist.mmsi" }, t("watchlist.mmsi")), h("input", { name: "mmsi", required: true, inputmode: "numeric", pattern: "[0-9]{9}" })),
    h("label", {}, h("span", { "data-i18n": "watchlist.category" }, t("watchlist.category")), category),
    h("label", {}, h("span", { "data-i18n": "watchlist.reason" }, t("watchlist.reason")), h("input", { name: "reason", maxlength: 2000 })),
    h("label", {}, h("span", { "data-i18n": "watchlist.office" }, t("watchlist.office")), office),
    h("label", {}, h("span", { "data-i18n": "watchlist.expires" }, t("watchlist.expires")), h("input", { name: "expires_at", type: "datetime-local" })),
    h("button.primary", { type: "submit", "data-i18n": "watchlist.add" }, t("watchlist.add")));
  const message = h("p.info-message");
  const element = h("section.info-tab", { dataset: { tab: "watchlist" } }, form, message, list);

  /** Whether this user may remove the entry (an office user: its own office's; the server
   * checks it again). */
  const mayEdit = (e) => isCentre(ctx.user) || (ctx.user.role === "office" && e.office === ctx.user.office);

  async function load() {
    options(category, CATEGORIES, (c) => t(`watchlist.category.${c}`));
    const entries = await api("watchlist");
    clear(list).append(
      h("thead", {}, h("tr", {}, ["mmsi", "category", "reason", "office", "expires", "state", ""].map((k) => h("th", {}, k ? t(`watchlist.${k}`) : "")))),
      h("tbody", {}, entries.map((e) => h("tr", { dataset: { mmsi: e.mmsi, state: e.state } },
        h("td", {}, String(e.mmsi)), h("td", {}, t(`watchlist.category.${e.category}`)), h("td", {}, e.reason),
        h("td", {}, e.office ? ctx.officeName(e.office) : t("info.centre")), h("td", {}, e.expires_at ? formatTime(e.expires_at) : "—"),
        h("td", {}, t(`watchlist.state.${e.state}`)),
        h("td", {}, mayEdit(e) ? h("button.remove", { type: "button", onclick: () => remove(e.mmsi) }, t("watchlist.remove")) : null)))));
  }

  async function add() {
    const data = new FormData(form);
    const expires = data.get("expires_at");
    const body = { mmsi: Number(data.get("mmsi")), category: data.get("category"), reason: data.get("reason"), office: officeValue(office),
      expires_at: expires ? new Date(expires).toISOString() : null };
    try {
      await api("watchlist", { method: "POST", body });
      message.textContent = t("watchlist.added", { mmsi: body.mmsi });
      form.reset();
      await load();
    } catch (error) {
      message.textContent = error.message;
    }
  }

  async function remove(mmsi) {
    try {
      await api(`watchlist/${mmsi}`, { method: "DELETE" });
      await load();
    } catch (error) {
      message.textContent = error.message;
    }
  }

  return { element, load };
}
