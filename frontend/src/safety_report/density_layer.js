// The traffic-density heatmap on the map (GET /api/stats/density): reports per 0.01-degree
// square over the last days, drawn under the vessels. Off by default: it is for planning and
// meetings, not for the watch. Loaded when switched on and again at most every ten minutes.

import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";

const SOURCE = "density";
const LAYER = "density-heat";
const REFRESH_MS = 10 * 60 * 1000;

export class DensityLayer {
  constructor(mapView, { showError, days = 7 } = {}) {
    this.mapView = mapView;
    this.showError = showError;
    this.days = days;
    this.loadedAt = 0;
    this.input = h("input", { type: "checkbox", name: "layer-density", onchange: (e) => this.show(e.target.checked) });
    this.element = h("label.toggle.density-toggle", {}, this.input, h("span", { "data-i18n": "density.layer" }, t("density.layer")));
  }

  async show(on) {
    await this.mapView.loaded;
    const map = this.mapView.map;
    if (!map.getSource(SOURCE)) this.install(map);
    map.setLayoutProperty(LAYER, "visibility", on ? "visible" : "none");
    if (on && Date.now() - this.loadedAt > REFRESH_MS) await this.load(map);
  }

  install(map) {
    map.addSource(SOURCE, { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    const below = map.getStyle().layers.find((l) => l.id.startsWith("vessel"))?.id;
    map.addLayer({
      id: LAYER,
      type: "heatmap",
      source: SOURCE,
      layout: { visibility: "none" },
      paint: {
        // log weight: a fairway with a thousand reports must not hide a cell with ten
        "heatmap-weight": ["/", ["ln", ["+", 1, ["get", "n"]]], ["ln", ["+", 2, ["coalesce", ["get", "max"], 1000]]]],
        "heatmap-intensity": ["interpolate", ["linear"], ["zoom"], 8, 1, 13, 2.5],
        "heatmap-radius": ["interpolate", ["exponential", 2], ["zoom"], 8, 8, 11, 30, 14, 200],
        "heatmap-opacity": 0.75,
        "heatmap-color": ["interpolate", ["linear"], ["heatmap-density"],
          0, "rgba(255,255,204,0)", 0.2, "#ffeda0", 0.4, "#feb24c", 0.6, "#fd8d3c", 0.8, "#e31a1c", 1, "#800026"],
      },
    }, below);
  }

  async load(map) {
    const until = new Date(Date.now() + 86400000);
    const since = new Date(until.getTime() - this.days * 86400000);
    const day = (d) => d.toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" }); // YYYY-MM-DD, local
    try {
      const data = await api("stats/density", { params: { since: day(since), until: day(until) } });
      data.features.forEach((f) => (f.properties.max = data.max));
      map.getSource(SOURCE).setData(data);
      this.loadedAt = Date.now();
      this.element.dataset.points = String(data.features.length);
    } catch (error) {
      this.input.checked = false;
      map.setLayoutProperty(LAYER, "visibility", "none");
      this.showError(error.status === 503 ? new Error(t("density.unavailable")) : error);
    }
  }
}
