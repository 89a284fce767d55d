// Search by name, MMSI, call sign or IMO: the live picture in the browser answers at once;
// the server's search adds vessels outside the current view.

import { api } from "./api.js";
import { clear, h } from "./dom.js";
import { t } from "./i18n.js";

/** Pure: does vessel `v` match the query `q` (case-insensitive substring / number prefix)? */
export function matchesQuery(v, q) {
  const text = q.trim().toUpperCase();
  if (!text) return false;
  const fields = [v.name, v.shipname, v.callsign].filter(Boolean).map((s) => String(s).toUpperCase());
  if (fields.some((f) => f.includes(text))) return true;
  return [v.mmsi, v.imo].some((n) => n != null && String(n).startsWith(text));
}

export class SearchBox {
  constructor(vesselLayer, onPick) {
    this.vessels = vesselLayer;
    this.onPick = onPick;
    this.input = h("input.search", { type: "search", name: "search", autocomplete: "off", "data-i18n-placeholder": "search.placeholder", placeholder: t("search.placeholder"), oninput: () => this.schedule(), onkeydown: (e) => e.key === "Enter" && this.pickFirst() });
    this.results = h("ul.search-results", { role: "listbox", hidden: true });
    this.element = h("div.search-box", {}, this.input, this.results);
    this.timer = null;
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), 150);
  }

  async run() {
    const q = this.input.value.trim();
    if (!q) return this.show([]);
    const local = [...this.vessels.records.values()].map((r) => r.data).filter((v) => matchesQuery(v, q)).slice(0, 20);
    this.show(local);
    try {
      const remote = await api("vessels", { params: { q, limit: 20 } });
      const list = Array.isArray(remote) ? remote : remote.items ?? remote.vessels ?? [];
      const seen = new Set(local.map((v) => v.mmsi));
      if (this.input.value.trim() === q) this.show([...local, ...list.filter((v) => !seen.has(v.mmsi))].slice(0, 20));
    } catch {
      // the local picture's answer stands when the server has no search or is unreachable
    }
  }

  show(vessels) {
    this.current = vessels;
    clear(this.results);
    this.results.hidden = !this.input.value.trim();
    if (!vessels.length) this.results.append(h("li.empty", {}, t("search.none")));
    for (const v of vessels) {
      this.results.append(h("li", { role: "option", tabindex: 0, dataset: { mmsi: v.mmsi }, onclick: () => this.pick(v) },
        h("strong", {}, v.name || v.shipname || t("vessel.unnamed")), " ", h("span.muted", {}, `MMSI ${v.mmsi}${v.callsign ? ` · ${v.callsign}` : ""}${v.imo ? ` · IMO ${v.imo}` : ""}`)));
    }
  }

  pickFirst() {
    if (this.current?.length) this.pick(this.current[0]);
  }

  pick(v) {
    this.results.hidden = true;
    this.input.value = v.name || v.shipname || String(v.mmsi);
    this.onPick(v.mmsi);
  }
}
