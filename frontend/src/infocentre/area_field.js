// An area for a record, drawn on the map or uploaded as a GeoJSON file: the waterworks
// register, notices (a temporary restricted area) and mode switches (fog over one part of
// the waters) all need one, and all read it the same way.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { PolygonDraw } from "./draw.js";

/** Area tools for a form; `onMessage(text)` reports what went wrong. */
export function areaField(mapView, onMessage) {
  let area = null;
  let draw = null;
  const state = h("span.area-state", { dataset: { state: "none" } }, t("waterworks.area.none"));
  const upload = h("input", { type: "file", name: "upload", accept: ".geojson,.json,application/geo+json", onchange: (e) => readUpload(e.target.files[0]) });
  const element = h("div.area-tools", {},
    h("button.draw", { type: "button", "data-i18n": "waterworks.draw", onclick: startDraw }, t("waterworks.draw")),
    h("button.finish", { type: "button", "data-i18n": "waterworks.finish", onclick: finishDraw }, t("waterworks.finish")),
    h("label.upload", {}, h("span", { "data-i18n": "waterworks.upload" }, t("waterworks.upload")), upload), state);

  function set(geometry, how) {
    area = geometry;
    state.dataset.state = geometry ? how : "none";
    state.textContent = geometry ? t(`waterworks.area.${how}`) : t("waterworks.area.none");
  }

  function startDraw() {
    draw ??= new PolygonDraw(mapView.map);
    set(null);
    draw.start((corners, polygon) => {
      if (polygon) set(polygon, "drawn");
      else state.textContent = t("waterworks.area.corners", { n: corners });
    });
  }

  function finishDraw() {
    const polygon = draw?.finish();
    if (polygon) set(polygon, "drawn");
  }

  async function readUpload(file) {
    if (!file) return;
    try {
      set(JSON.parse(await file.text()), "uploaded");
    } catch {
      onMessage(t("waterworks.upload.bad"));
    }
  }

  return {
    element,
    value: () => area,
    /** Forget the area and take the drawing off the map. */
    clear: () => { draw?.clear(); set(null); upload.value = ""; },
    close: () => draw?.clear(),
  };
}
