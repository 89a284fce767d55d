// Search by name, MMSI, call sign or IMO: the live picture in the browser answers at once;
// the server's search (GET /api/search) adds vessels outside the current view and the
// configuration's places and boats by their Chinese or English names, in part ("小坠",
// "巡086"), which AIS never carries.

import { api } from "./api.js";
import { clear, h } from "./dom.js";
import { language, t } from "./i18n.js";

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
  /** `known`: [{mmsi, name, name_en}] named in the configuration (patrol craft).
   * `onPlace(place)`: a place was picked ({kind, id, name, name_en, bbox}). */
  constructor(vesselLayer, onPick, known = [], onPlace = null) {
    this.vessels = vesselLayer;
    this.onPick = onPick;
    this.onPlace = onPlace;
    this.places = [];
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
    this.show(local, this.input.value.trim() === this.lastQuery ? this.places : []);
    try {
      const remote = await api("search", { params: { q, limit: 20 } });
      const seen = new Set(local.map((v) => v.mmsi));
      if (this.input.value.trim() !== q) return;
      this.lastQuery = q;
      const configured = new Map((remote.vessels || []).filter((v) => v.name_en || v.ais_name !== v.name).map((v) => [v.mmsi, v]));
      // a boat the configuration names shows under that name, live or not
      const named = local.map((v) => (configured.has(v.mmsi) ? { ...v, label: placeName(configured.get(v.mmsi)) } : v));
      const more = (remote.vessels || []).filter((v) => !seen.has(v.mmsi)).map((v) => ({ ...v, label: configured.has(v.mmsi) ? placeName(v) : v.name }));
      this.show([...named, ...more].slice(0, 20), remote.places || []);
    } catch {
      // the local picture's answer stands when the server has no search or is unreachable
    }
  }

  show(vessels, places = []) {
    this.current = vessels;
    this.places = places;
    clear(this.results);
    this.results.hidden = !this.input.value.trim();
    if (!vessels.length && !places.length) this.results.append(h("li.empty", {}, t("search.none")));
    for (const p of places) {
      this.results.append(h("li.place", { role: "option", tabindex: 0, dataset: { place: p.id, kind: p.kind }, onclick: () => this.pickPlace(p), onkeydown: (e) => e.key === "Enter" && this.pickPlace(p) },
        h("strong", {}, placeName(p)), " ", h("span.muted", {}, `${t(`search.kind.${p.kind}`)} · ${p.id}`)));
    }
    for (const v of vessels) {
      this.results.append(h("li", { role: "option", tabindex: 0, dataset: { mmsi: v.mmsi }, onclick: () => this.pick(v) },
        h("strong", {}, v.label || v.name || v.shipname || t("vessel.unnamed")), " ", h("span.muted", {}, `MMSI ${v.mmsi}${v.callsign ? ` · ${v.callsign}` : ""}${v.imo ? ` · IMO ${v.imo}` : ""}`)));
    }
  }

  pickFirst() {
    if (this.current?.length) this.pick(this.current[0]);
    else if (this.places.length) this.pickPlace(this.places[0]);
  }

  pickPlace(p) {
    this.results.hidden = true;
    this.input.value = placeName(p);
    this.onPlace?.(p);
  }

  pick(v) {
    this.results.hidden = true;
    this.input.value = v.label || v.name || v.shipname || String(v.mmsi);
    this.onPick(v.mmsi);
  }
}

/** A configured name in the UI's language: English where the configuration has one. */
export function placeName(p) {
  return (language() === "en" && p.name_en) || p.name;
}
