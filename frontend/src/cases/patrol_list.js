// The patrol boats list (console and office view): position, speed, state, current task and
// last report of each boat, out-of-contact boats in red. A click flies to the boat; the task
// opens its case.

import { clear, h } from "../dom.js";
import { formatAge, formatLatLon, t, toMillis, units } from "../i18n.js";

export class PatrolList {
  constructor(desk) {
    this.desk = desk;
    this.items = h("ol.patrols", { role: "list" });
    this.element = h("section.patrol-list", { "aria-labelledby": "patrols-title" },
      h("header", {}, h("h2", { id: "patrols-title", "data-i18n": "patrol.title" }, t("patrol.title"))),
      this.items);
  }

  render() {
    const now = Date.now();
    const rows = this.desk.patrols();
    clear(this.items);
    if (!rows.length) this.items.append(h("li.empty", {}, t("patrol.none")));
    for (const r of rows) {
      const seen = toMillis(r.ts);
      const report = r.last_report;
      const reportAt = toMillis(report?.at ?? report?.created_at);
      this.items.append(h("li.patrol", { dataset: { mmsi: r.mmsi, state: r.state }, tabindex: 0, onclick: (e) => e.target.tagName !== "A" && r.lat != null && this.desk.flyTo(r.lon, r.lat) },
        h("div.row", {}, h("strong", {}, this.desk.patrolName(r.mmsi)), h("span.state", {}, t(`patrol.state.${r.state}`)), h("span.speed", {}, units.knots(r.speed))),
        h("div.row.muted", {}, r.lat != null ? formatLatLon(r.lat, r.lon) : t("value.none"), Number.isFinite(seen) ? ` · ${t("patrol.seen", { age: formatAge((now - seen) / 1000) })}` : ""),
        h("div.row.current-task", { dataset: { overdue: r.case_overdue ? "1" : "" } }, h("span.muted", {}, `${t("patrol.task")}: `),
          r.case_id ? h("a", { href: "#", onclick: (e) => { e.preventDefault(); this.desk.open(r.case_id); } }, r.case_title || t("case.untitled")) : t("value.none")),
        h("div.row.muted", {}, `${t("patrol.last_report")}: `, Number.isFinite(reportAt)
          ? `${report?.outcome ? t(`case.outcome.${report.outcome}`) : report?.note || t("patrol.report")} · ${formatAge((now - reportAt) / 1000)}` : t("value.none"))));
    }
  }
}
