// The waterworks tab: the register (active and upcoming sites also drawn on the map), and a
// form whose area is drawn on the map or uploaded as a GeoJSON file.

import { api } from "../api.js";
import { clear, h } from "../dom.js";
import { t } from "../i18n.js";
import { areaField } from "./area_field.js";
import { officeSelect, officeValue } from "./offices.js";
import { formatTime, isoFromLocal } from "./format.js";

const SOURCE = "info-waterworks";
const COLORS = ["match", ["get", "state"], "active", "#ae3ec9", "upcoming", "#fab005", "#868e96"];

export function waterworksTab(ctx, mapView) {
  const message = h("p.info-message");
  const area = areaField(mapView, (text) => (message.textContent = text));
  const office = officeSelect(ctx);
  const field = (name, key, attrs = {}) => h("label", {}, h("span", { "data-i18n": key }, t(key)), h("input", { name, ...attrs }));
  const form = h("form.info-form.waterworks-form", { onsubmit: (e) => { e.preventDefault(); add(); } },
    field("name", "waterworks.name", { required: true, maxlength: 200 }),
    field("operator", "waterworks.operator", { maxlength: 2000 }),
    field("permit", "waterworks.permit", { maxlength: 200 }),
    field("active_from", "waterworks.from", { type: "datetime-local", required: true }),
    field("active_to", "waterworks.to", { type: "datetime-local", required: true }),
    field("contact", "waterworks.contact", { maxlength: 2000 }),
    field("safety_measures", "waterworks.safety", { maxlength: 2000 }),
    h("label", {}, h("span", { "data-i18n": "info.office" }, t("info.office")), office),
    area.element,
    h("button.primary", { type: "submit", "data-i18n": "waterworks.add" }, t("waterworks.add")));
  const list = h("table.info-table.waterworks-table");
  const element = h("section.info-tab", { dataset: { tab: "waterworks" } }, form, message, list);

  async function add() {
    const data = new FormData(form);
    if (!area.value()) {
      message.textContent = t("waterworks.area.missing");
      return;
    }
    const body = Object.fromEntries(["name", "operator", "permit", "contact", "safety_measures"].map((k) => [k, data.get(k)]));
    Object.assign(body, { area: area.value(), office: officeValue(office), active_from: isoFromLocal(data.get("active_from")), active_to: isoFromLocal(data.get("active_to")) });
    try {
      const site = await api("waterworks", { method: "POST", body });
      message.textContent = t("waterworks.added", { name: site.name });
      form.reset();
      area.clear();
      await load();
    } catch (error) {
      message.textContent = error.message;
    }
  }

  async function remove(id) {
    try {
      await api(`waterworks/${id}`, { method: "DELETE" });
      await load();
    } catch (error) {
      message.textContent = error.message;
    }
  }

  async function load() {
    const sites = (await api("waterworks")).filter((s) => s.state !== "ended");
    showOnMap(mapView.map, sites);
    clear(list).append(
      h("thead", {}, h("tr", {}, ["name", "operator", "permit", "from", "to", "state", ""].map((k) => h("th", {}, k ? t(`waterworks.${k}`) : "")))),
      h("tbody", {}, sites.map((s) => h("tr", { dataset: { id: s.id, state: s.state } },
        h("td", {}, s.name), h("td", {}, s.operator), h("td", {}, s.permit), h("td", {}, formatTime(s.active_from)),
        h("td", {}, formatTime(s.active_to)), h("td", {}, t(`waterworks.state.${s.state}`)),
        h("td", {}, h("button.remove", { type: "button", onclick: () => remove(s.id) }, t("waterworks.remove")))))));
  }

  return { element, load, close: area.close };
}

/** Active and upcoming sites on the map, coloured by state. */
export function showOnMap(map, sites) {
  const data = { type: "FeatureCollection", features: sites.map((s) => ({ type: "Feature", geometry: s.area, properties: { id: s.id, name: s.name, state: s.state } })) };
  if (!map.getSource(SOURCE)) {
    map.addSource(SOURCE, { type: "geojson", data });
    map.addLayer({ id: "info-waterworks-fill", type: "fill", source: SOURCE, paint: { "fill-color": COLORS, "fill-opacity": 0.18 } });
    map.addLayer({ id: "info-waterworks-line", type: "line", source: SOURCE, paint: { "line-color": COLORS, "line-width": 2 } });
  } else map.getSource(SOURCE).setData(data);
}
