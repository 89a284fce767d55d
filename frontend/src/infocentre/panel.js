// The information centre's drawer (信息中心): watchlist, waterworks register and registry,
// opened from the top bar of the console and the office view.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { registryTab } from "./registry.js";
import { watchlistTab } from "./watchlist.js";
import { showOnMap, waterworksTab } from "./waterworks.js";
import { api } from "../api.js";

const TABS = ["watchlist", "waterworks", "registry"];

export class InfoCentrePanel {
  constructor(ctx, mapView) {
    this.tabs = { watchlist: watchlistTab(ctx), waterworks: waterworksTab(ctx, mapView), registry: registryTab(ctx) };
    this.buttons = TABS.map((name) => h("button.tab", { type: "button", dataset: { tab: name }, "data-i18n": `info.tab.${name}`, onclick: () => this.show(name) }, t(`info.tab.${name}`)));
    this.element = h("aside.info-panel", { hidden: true },
      h("header", {}, h("strong", { "data-i18n": "info.title" }, t("info.title")), h("nav", {}, this.buttons),
        h("button.close", { type: "button", "aria-label": t("info.close"), onclick: () => this.close() }, "×")),
      ...TABS.map((name) => this.tabs[name].element));
    this.button = h("button.info-open", { type: "button", "data-i18n": "info.title", onclick: () => this.open() }, t("info.title"));
    // active and upcoming waterworks on the map from the start, not only when the tab opens
    mapView.loaded.then(async () => showOnMap(mapView.map, (await api("waterworks")).filter((s) => s.state !== "ended"))).catch(() => {});
  }

  open(tab = "watchlist") {
    this.element.hidden = false;
    this.show(tab);
  }

  show(name) {
    for (const button of this.buttons) button.classList.toggle("active", button.dataset.tab === name);
    for (const tab of TABS) this.tabs[tab].element.hidden = tab !== name;
    this.element.dataset.tab = name;
    this.tabs[name].load().catch((error) => console.warn(error));
  }

  close() {
    this.element.hidden = true;
    this.tabs.waterworks.close();
  }
}
