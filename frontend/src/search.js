// Search by name, MMSI, call sign or IMO: the live picture in the browser answers at once;
// the server's search adds vessels outside the current view.

import { api } from "./api.js";
import { clear, h } from "./dom.js";
import { t } from "./i18n.js";

// Names are compared without spaces: AIS pads and splits names ("HAIXUN 08608"), people type
// "海巡 08608" or "haixun08608".
const squash = (s) => String(s).toUpperCase().replace(/\s+/g, "");

/** Pure: does vessel `v` match the query `q` (case-insensitive substring, spaces ignored, or
 * number prefix)? `aliases` are other names of it: the configured Chinese names of patrol
 * craft, which AIS (6-bit text) cannot carry. */
export function matchesQuery(v, q, aliases = []) {
  const text = squash(q);
  if (!text) return false;
  const fields = [v.name, v.shipname, v.callsign, ...aliases].filter(Boolean).map(squash);
  if (fields.some((f) => f.includes(text))) return true;
  return [v.mmsi, v.imo].some((n) => n != null && String(n).startsWith(text));
}

export class SearchBox {
  /** `known`: [{mmsi, name, name_en}] named in the configuration (patrol craft). */
  constructor(vesselLayer, onPick, known = []) {
    this.vessels = vesselLayer;
    this.onPick = onPick;
    this.aliases = new Map(known.map((k) => [k.mmsi, [k.name, k.name_en].filter(Boolean)]));
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
    const local = [...this.vessels.records.values()].map((r) => r.data).filter((v) => matchesQuery(v, q, this.aliases.get(v.mmsi))).slice(0, 20);
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
