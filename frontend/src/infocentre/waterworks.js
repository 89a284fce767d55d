// The waterworks tab: the register (active and upcoming sites also drawn on the map), and a
// form whose area is drawn on the map or uploaded as a GeoJSON file.

import { api } from "../api.js";
import { clear, h } from "../dom.js";
import { t } from "../i18n.js";
import { PolygonDraw } from "./draw.js";
import { formatTime, isoFromLocal } from "./format.js";

const SOURCE = "info-waterworks";
const COLORS = ["match", ["get", "state"], "active", "#ae3ec9", "upcoming", "#fab005", "#868e96"];

export function waterworksTab(ctx, mapView) {
  let area = null;
  let draw = null;
  const areaState = h("span.area-state", { dataset: { state: "none" } }, t("waterworks.area.none"));
  const upload = h("input", { type: "file", name: "upload", accept: ".geojson,.json,application/geo+json", onchange: (e) => readUpload(e.target.files[0]) });
  const field = (name, key, attrs = {}) => h("label", {}, h("span", { "data-i18n": key }, t(key)), h("input", { name, ...attrs }));
  const form = h("form.info-form.waterworks-form", { onsubmit: (e) => { e.preventDefault(); add(); } },
    field("name", "waterworks.name", { required: true, maxlength: 200 }),
    field("operator", "waterworks.operator", { maxlength: 2000 }),
    field("permit", "waterworks.permit", { maxlength: 200 }),
    field("active_from", "waterworks.from", { type: "datetime-local", required: true }),
    field("active_to", "waterworks.to", { type: "datetime-local", required: true }),
    field("contact", "waterworks.contact", { maxlength: 2000 }),
    field("safety_measures", "waterworks.safety", { maxlength: 2000 }),
    h("div.area-tools", {},
      h("button.draw", { type: "button", onclick: startDraw }, t("waterworks.draw")),
      h("button.finish", { type: "button", onclick: finishDraw }, t("waterworks.finish")),
      h("label.upload", {}, h("span", {}, t("waterworks.upload")), upload), areaState),
    h("button.primary", { type: "submit" }, t("waterworks.add")));
  const message = h("p.info-message");
  const list = h("table.info-table.waterworks-table");
  const element = h("section.info-tab", { dataset: { tab: "waterworks" } }, form, message, list);

  function setArea(geometry, how) {
    area = geometry;
    areaState.dataset.state = geometry ? how : "none";
    areaState.textContent = geometry ? t(`waterworks.area.${how}`) : t("waterworks.area.none");
  }

  function startDraw() {
    draw ??= new PolygonDraw(mapView.map);
    setArea(null);
    draw.start((corners, polygon) => {
      if (polygon) setArea(polygon, "drawn");
      else areaState.textContent = t("waterworks.area.corners", { n: corners });
    });
  }

  function finishDraw() {
    const polygon = draw?.finish();
    if (polygon) setArea(polygon, "drawn");
  }

  async function readUpload(file) {
    if (!file) return;
    try {
      setArea(JSON.parse(await file.text()), "uploaded");
    } catch {
      message.textContent = t("waterworks.upload.bad");
    }
  }

  async function add() {
    const data = new FormData(form);
    if (!area) {
      message.textContent = t("waterworks.area.missing");
      return;
    }
    const body = Object.fromEntries(["name", "operator", "permit", "contact", "safety_measures"].map((k) => [k, data.get(k)]));
    Object.assign(body, { area, active_from: isoFromLocal(data.get("active_from")), active_to: isoFromLocal(data.get("active_to")) });
    try {
      const site = await api("waterworks", { method: "POST", body });
      message.textContent = t("waterworks.added", { name: site.name });
      form.reset();
      draw?.clear();
      setArea(null);
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

  return { element, load, close: () => draw?.clear() };
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
