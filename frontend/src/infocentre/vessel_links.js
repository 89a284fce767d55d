// The vessel panel's link to the information centre: the vessel's watchlist entry and its
// registry objects (by MMSI, and by IMO once the vessel's static data gives one).

import { api } from "../api.js";
import { clear, h } from "../dom.js";
import { t } from "../i18n.js";

export function attachVesselLinks(vesselPanel) {
  const box = h("section.vessel-info");
  vesselPanel.element.append(box);
  const open = vesselPanel.open.bind(vesselPanel);
  vesselPanel.open = async (mmsi) => {
    clear(box);
    await open(mmsi);
    if (vesselPanel.mmsi !== mmsi) return;
    try {
      const imo = vesselPanel.detail?.imo;
      const [byMmsi, byImo, watchlist] = await Promise.all([
        api("registry", { params: { mmsi } }), imo ? api("registry", { params: { imo } }) : [], api("watchlist"),
      ]);
      const objects = [...new Map([...byMmsi, ...byImo].map((o) => [o.id, o])).values()];
      const entry = watchlist.find((e) => e.mmsi === Number(mmsi));
      if (vesselPanel.mmsi !== mmsi) return;
      if (entry) box.append(h("p.watch-entry", { dataset: { state: entry.state } }, `${t("info.tab.watchlist")}: ${t(`watchlist.category.${entry.category}`)} · ${entry.reason}`));
      if (objects.length) box.append(h("h3", {}, t("info.tab.registry")),
        h("ul", {}, objects.map((o) => h("li", { dataset: { id: o.id } }, `${o.name}${o.contact ? ` · ${o.contact}` : ""}${o.phone ? ` ${o.phone}` : ""}`))));
    } catch {
      /* the panel works without the information centre */
    }
  };
}
