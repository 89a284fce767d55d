// The registry tab (三基资料): search, and import of a CSV or Excel export.

import { session } from "../api.js";
import { api } from "../api.js";
import { clear, h } from "../dom.js";
import { t } from "../i18n.js";

export function registryTab(ctx) {
  const query = h("input.registry-search", { type: "search", name: "q", "data-i18n-placeholder": "registry.search", placeholder: t("registry.search"), oninput: () => search() });
  const file = h("input", { type: "file", name: "import", accept: ".csv,.xlsx", onchange: (e) => importFile(e.target.files[0]) });
  const message = h("div.info-message");
  const list = h("table.info-table.registry-table");
  const element = h("section.info-tab", { dataset: { tab: "registry" } },
    h("div.info-form", {}, query, h("label.upload", {}, h("span", {}, t("registry.import")), file)), message, list);
  let pending = null;

  async function search() {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      const found = await api("registry", { params: { q: query.value.trim(), limit: 100 } });
      clear(list).append(
        h("thead", {}, h("tr", {}, ["kind", "name", "office", "mmsi", "contact", "phone"].map((k) => h("th", {}, t(`registry.${k}`))))),
        h("tbody", {}, found.map((o) => h("tr", { dataset: { id: o.id } },
          h("td", {}, t(`registry.kind.${o.kind}`)), h("td", {}, o.name), h("td", {}, o.office ? ctx.officeName(o.office) : t("info.centre")),
          h("td", {}, o.mmsi ?? ""), h("td", {}, o.contact), h("td", {}, o.phone)))));
    }, 200);
  }

  async function importFile(selected) {
    if (!selected) return;
    const response = await fetch(`api/registry/import?filename=${encodeURIComponent(selected.name)}`, {
      method: "POST", headers: { Authorization: `Bearer ${session.token}`, "Content-Type": "application/octet-stream" }, body: selected,
    });
    const data = await response.json().catch(() => ({}));
    clear(message);
    if (response.ok) message.append(h("p", {}, t("registry.imported", { n: data.imported })));
    else {
      message.append(h("p.error", {}, typeof data.detail === "string" ? data.detail : t("registry.rejected")));
      for (const row of data.rejected ?? []) message.append(h("p.row-error", {}, t("registry.row", { row: row.row }) + ": " + row.errors.join("; ")));
    }
    search();
  }

  return { element, load: search };
}
