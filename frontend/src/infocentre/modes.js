// The modes tab (监管模式: 雾防, 防台, 冬防, 节假日): which rule set is in force, where and until
// when, who switched it and why; supervisors and administrators switch a mode on (for the
// whole waters or a drawn area, now or for a period) and off. A switch changes the alerts
// of the whole jurisdiction, so it asks first and names the change in words; every switch
// is in the audit (`/history`, shown per activation).

import { api } from "../api.js";
import { clear, h, options } from "../dom.js";
import { t } from "../i18n.js";
import { areaField } from "./area_field.js";
import { confirmChange } from "./confirm.js";
import { formatTime, isoFromLocal, modeLabel } from "./format.js";

const SWITCHERS = new Set(["supervisor", "admin"]);

export function modesTab(ctx, mapView) {
  const may = SWITCHERS.has(ctx.user.role);
  const message = h("p.info-message");
  const area = areaField(mapView, (text) => (message.textContent = text));
  let specs = new Map();
  const label = (name) => modeLabel(name, specs);
  const mode = h("select", { name: "mode" });
  const scope = h("select", { name: "scope", onchange: () => (area.element.hidden = scope.value !== "area") });
  const fillScope = () => options(scope, ["everywhere", "area"], (s) => t(`modes.scope.${s}`));
  fillScope();
  area.element.hidden = true;
  const field = (key, control) => h("label", {}, h("span", { "data-i18n": key }, t(key)), control);
  const form = h("form.info-form.mode-form", { hidden: !may, onsubmit: (e) => { e.preventDefault(); switchOn(); } },
    field("modes.mode", mode),
    field("modes.scope", scope),
    field("modes.from", h("input", { name: "active_from", type: "datetime-local" })),
    field("modes.to", h("input", { name: "active_to", type: "datetime-local" })),
    h("label.wide", {}, h("span", { "data-i18n": "modes.reason" }, t("modes.reason")), h("input", { name: "reason", required: true, maxlength: 2000 })),
    area.element,
    h("button.primary", { type: "submit", "data-i18n": "modes.switch_on" }, t("modes.switch_on")));
  const readOnly = h("p.muted.mode-readonly", { hidden: may, "data-i18n": "modes.readonly" }, t("modes.readonly"));
  const current = h("div.mode-current");
  const element = h("section.info-tab", { dataset: { tab: "modes" } }, current, readOnly, form, message);

  const where = (a) => (a.area ? t("modes.scope.area") : t("modes.scope.everywhere"));
  const until = (a) => (a.active_to ? formatTime(a.active_to) : t("modes.until_off"));

  async function switchOn() {
    const data = new FormData(form);
    if (scope.value === "area" && !area.value()) {
      message.textContent = t("waterworks.area.missing");
      return;
    }
    const body = { mode: data.get("mode"), reason: data.get("reason").trim(), area: scope.value === "area" ? area.value() : null,
      active_from: isoFromLocal(data.get("active_from")), active_to: isoFromLocal(data.get("active_to")) };
    const period = `${body.active_from ? formatTime(body.active_from) : t("modes.now")} – ${body.active_to ? formatTime(body.active_to) : t("modes.until_off")}`;
    const ok = await confirmChange(t("modes.confirm_on", { mode: label(body.mode) }),
      [`${where(body)} · ${period}`, body.reason, t("modes.effect", { mode: label(body.mode) })], t("modes.switch_on"));
    if (!ok) return;
    try {
      const made = await api("modes/activations", { method: "POST", body });
      message.textContent = t("modes.switched_on", { mode: label(made.mode) });
      form.reset();
      fillScope();
      area.clear();
      area.element.hidden = true;
      changed();
      await load();
    } catch (error) {
      message.textContent = error.message;
    }
  }

  async function switchOff(a) {
    const ok = await confirmChange(t("modes.confirm_off", { mode: label(a.mode) }), [`${where(a)} · ${a.reason || ""}`], t("modes.switch_off"));
    if (!ok) return;
    try {
      await api(`modes/activations/${encodeURIComponent(a.id)}`, { method: "DELETE" });
      message.textContent = t("modes.switched_off", { mode: label(a.mode) });
      changed();
      await load();
    } catch (error) {
      message.textContent = error.message;
    }
  }

  /** The activation's audit: every switch with its actor, time and note. */
  async function history(a, cell) {
    try {
      const rows = await api(`modes/activations/${encodeURIComponent(a.id)}/history`);
      clear(cell).append(h("ul.mode-history", {}, rows.map((r) =>
        h("li", { dataset: { change: r.change } }, `${formatTime(r.at)} · ${t(`modes.change.${r.change}`)} · ${r.actor}${r.note ? ` · ${r.note}` : ""}`))));
    } catch (error) {
      message.textContent = error.message;
    }
  }

  function changed() {
    window.dispatchEvent(new CustomEvent("modeschange")); // the top bar's badge
  }

  function table(rows, state) {
    return h("table.info-table.mode-table", { dataset: { state } },
      h("thead", {}, h("tr", {}, ["mode", "scope", "from", "to", "reason", "by", ""].map((k) => h("th", {}, k ? t(`modes.col.${k}`) : "")))),
      h("tbody", {}, rows.map((a) => {
        const audit = h("td.audit", { colSpan: 7, hidden: true });
        return [
          h("tr", { dataset: { id: a.id, mode: a.mode, state } },
            h("td", {}, h("strong", {}, label(a.mode))), h("td", {}, where(a)), h("td", {}, formatTime(a.active_from)), h("td", {}, until(a)),
            h("td", {}, a.reason || "—"), h("td", {}, `${a.created_by}${a.source === "weather" ? ` (${t("modes.source.weather")})` : ""}`),
            h("td", {},
              h("button.history", { type: "button", onclick: () => { audit.hidden = !audit.hidden; if (!audit.hidden) history(a, audit); } }, t("modes.history")),
              may ? h("button.remove", { type: "button", onclick: () => switchOff(a) }, t("modes.switch_off")) : null)),
          h("tr.audit-row", {}, audit),
        ];
      }).flat()));
  }

  async function load() {
    const data = await api("modes");
    specs = new Map(data.modes.map((m) => [m.name, m]));
    fillScope();
    options(mode, data.modes.map((m) => m.name), label);
    clear(current).append(...[
      h("h3", {}, t("modes.in_force")),
      data.active.length ? table(data.active, "active") : h("p.mode-normal", {}, t("mode.none")),
      data.scheduled.length ? h("h3", {}, t("modes.scheduled")) : null,
      data.scheduled.length ? table(data.scheduled, "scheduled") : null].filter(Boolean));
  }

  return { element, load, close: area.close };
}
