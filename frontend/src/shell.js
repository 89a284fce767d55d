// The top bar every signed-in view shares: title, search, layer toggles, language, the
// connection state and sign-out.

import { h, options } from "./dom.js";
import { LANGUAGES, setLanguage, t, language } from "./i18n.js";
import { CATEGORIES, PATROL_COLOR } from "./shiptypes.js";
import { modesBadge } from "./infocentre/modes_badge.js";

export function topBar({ user, titleKey, search = null, mapView = null, onLogout, extra = [] }) {
  const lang = h("select.lang", { name: "lang", "data-i18n-title": "lang.choose", onchange: (e) => setLanguage(e.target.value, user?.name) });
  options(lang, LANGUAGES, (l) => t(`lang.${l}`));
  lang.value = language();
  window.addEventListener("langchange", () => { options(lang, LANGUAGES, (l) => t(`lang.${l}`)); lang.value = language(); });
  const status = h("span.conn", { dataset: { state: "connecting" } }, h("span", { "data-i18n": "conn.connecting" }, t("conn.connecting")));
  const layers = mapView ? layerMenu(mapView) : null;
  const bar = h("header.topbar", {},
    h("div.brand", {}, h("span.logo", {}, "⚓"), h("span", { "data-i18n": "app.title" }, t("app.title")), h("span.view-name", { "data-i18n": titleKey }, t(titleKey))),
    search?.element, ...extra, layers, h("div.spacer"), modesBadge(), status, lang,
    h("span.user", {}, `${user.name} · `, h("span", { "data-i18n": `role.${user.role}` }, t(`role.${user.role}`))),
    h("button.logout", { type: "button", onclick: onLogout, "data-i18n": "action.logout" }, t("action.logout")));
  bar.setStatus = (state) => {
    status.dataset.state = state;
    status.firstChild.dataset.i18n = `conn.${state}`;
    status.firstChild.textContent = t(`conn.${state}`);
  };
  return bar;
}

function layerMenu(mapView) {
  const boxes = mapView.groups().map((group) =>
    h("label.toggle", {}, h("input", { type: "checkbox", name: `layer-${group}`, checked: true, onchange: (e) => mapView.toggle(group, e.target.checked) }),
      h("span", { "data-i18n": `layer.${group}` }, t(`layer.${group}`))));
  return h("details.layers", {}, h("summary", { "data-i18n": "layer.title" }, t("layer.title")), h("div.menu", {}, boxes, legend(CATEGORIES, PATROL_COLOR)));
}

/** The ship-type colours, so the map's colours can be read without knowing them by heart. */
export function legend(categories, patrolColor) {
  const rows = [...categories.map((c) => [c.id, c.color]), ["patrol", patrolColor]];
  return h("div.legend", {}, h("strong", { "data-i18n": "legend.title" }, t("legend.title")),
    rows.map(([id, color]) => h("div.legend-row", {}, h("span.swatch", { style: `background:${color}` }), h("span", { "data-i18n": `shiptype.${id}` }, t(`shiptype.${id}`)))));
}
