// The notices tab (通航环境信息通告): navigation warnings and temporary restricted areas that
// the public page and feeds publish to mariners (/public/notices). A restricted-area notice
// needs an area and is a restricted zone for the rules in its period; withdrawing one takes
// it off the public page and out of the rules at once, so it asks first.

import { api } from "../api.js";
import { clear, h, options } from "../dom.js";
import { language, t } from "../i18n.js";
import { areaField } from "./area_field.js";
import { confirmChange } from "./confirm.js";
import { formatTime, isoFromLocal } from "./format.js";
import { isCentre, officeSelect, officeValue } from "./offices.js";

const KINDS = ["navigation_warning", "restricted_area"];

export function noticesTab(ctx, mapView) {
  const message = h("p.info-message");
  const area = areaField(mapView, (text) => (message.textContent = text));
  const office = officeSelect(ctx);
  const kind = options(h("select", { name: "kind" }), KINDS, (k) => t(`notice.kind.${k}`));
  const label = (key, control) => h("label", {}, h("span", { "data-i18n": key }, t(key)), control);
  const input = (name, attrs = {}) => h("input", { name, ...attrs });
  const form = h("form.info-form.notice-form", { onsubmit: (e) => { e.preventDefault(); add(); } },
    label("notice.kind", kind),
    label("notice.title", input("title", { required: true, maxlength: 200 })),
    label("notice.title_en", input("title_en", { maxlength: 200 })),
    label("notice.from", input("active_from", { type: "datetime-local", required: true })),
    label("notice.to", input("active_to", { type: "datetime-local", required: true })),
    label("info.office", office),
    h("label.wide", {}, h("span", { "data-i18n": "notice.text" }, t("notice.text")), h("textarea", { name: "text", rows: 2, maxlength: 4000 })),
    h("label.wide", {}, h("span", { "data-i18n": "notice.text_en" }, t("notice.text_en")), h("textarea", { name: "text_en", rows: 2, maxlength: 4000 })),
    area.element,
    h("button.primary", { type: "submit", "data-i18n": "notice.add" }, t("notice.add")));
  const publicLink = h("a.public-link", { href: "/public/notices", target: "_blank", rel: "noopener", "data-i18n": "notice.public" }, t("notice.public"));
  const list = h("table.info-table.notice-table");
  const element = h("section.info-tab", { dataset: { tab: "notices" } }, form, message, publicLink, list);
  const title = (n) => (language() === "en" && n.title_en) || n.title;

  async function add() {
    const data = new FormData(form);
    if (data.get("kind") === "restricted_area" && !area.value()) {
      message.textContent = t("notice.area.missing");
      return;
    }
    const body = Object.fromEntries(["kind", "title", "title_en", "text", "text_en"].map((k) => [k, data.get(k)]));
    Object.assign(body, { area: area.value(), office: officeValue(office),
      active_from: isoFromLocal(data.get("active_from")), active_to: isoFromLocal(data.get("active_to")) });
    try {
      const notice = await api("notices", { method: "POST", body });
      message.textContent = t("notice.added", { title: title(notice) });
      form.reset();
      area.clear();
      await load();
    } catch (error) {
      message.textContent = error.message;
    }
  }

  async function withdraw(notice) {
    const ok = await confirmChange(t("notice.withdraw.title"), [title(notice), `${formatTime(notice.active_from)} – ${formatTime(notice.active_to)}`], t("notice.withdraw"));
    if (!ok) return;
    try {
      await api(`notices/${encodeURIComponent(notice.id)}`, { method: "DELETE" });
      message.textContent = t("notice.withdrawn", { title: title(notice) });
      await load();
    } catch (error) {
      message.textContent = error.message;
    }
  }

  /** Whether this user may withdraw the notice (the server checks it again). */
  const mayEdit = (n) => isCentre(ctx.user) || (ctx.user.role === "office" && n.office === ctx.user.office);

  async function load() {
    options(kind, KINDS, (k) => t(`notice.kind.${k}`));
    const notices = (await api("notices")).filter((n) => n.state !== "ended")
      .sort((a, b) => a.active_from.localeCompare(b.active_from));
    clear(list).append(
      h("thead", {}, h("tr", {}, ["title", "kind", "office", "from", "to", "state", ""].map((k) => h("th", {}, k ? t(`notice.${k}`) : "")))),
      h("tbody", {}, notices.length ? notices.map((n) => h("tr", { dataset: { id: n.id, state: n.state, kind: n.kind } },
        h("td", {}, title(n)), h("td", {}, t(`notice.kind.${n.kind}`)),
        h("td", {}, n.office ? ctx.officeName(n.office) : t("info.centre")),
        h("td", {}, formatTime(n.active_from)), h("td", {}, formatTime(n.active_to)), h("td", {}, t(`notice.state.${n.state}`)),
        h("td", {}, mayEdit(n) ? h("button.remove", { type: "button", onclick: () => withdraw(n) }, t("notice.withdraw")) : null)))
        : h("tr", {}, h("td.muted", { colSpan: 7 }, t("notice.none")))));
  }

  return { element, load, close: area.close };
}
