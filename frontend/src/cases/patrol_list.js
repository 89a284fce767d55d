// The patrol boats list (console and office view): position, speed, state, current task and
// last report of each boat, out-of-contact boats in red. A click flies to the boat; the task
// opens its case.

import { clear, h } from "../dom.js";
import { formatAge, formatLatLon, t, toMillis, units } from "../i18n.js";

export class PatrolList {
  constructor(desk) {
    this.desk = desk;
    this.body = h("tbody");
    this.element = h("section.patrol-list", { "aria-labelledby": "patrols-title" },
      h("header", {}, h("h2", { id: "patrols-title", "data-i18n": "patrol.title" }, t("patrol.title"))),
      h("table.patrols", {},
        h("thead", {}, h("tr", {}, ...["patrol.boat", "patrol.state", "patrol.speed", "patrol.task", "patrol.last_report"].map((k) => h("th", { "data-i18n": k }, t(k))))),
        this.body));
  }

  render() {
    const now = Date.now();
    const rows = this.desk.patrols();
    clear(this.body);
    if (!rows.length) this.body.append(h("tr", {}, h("td.empty", { colspan: 5 }, t("patrol.none"))));
    for (const r of rows) {
      const seen = toMillis(r.ts);
      const report = r.last_report;
      const reportAt = toMillis(report?.at ?? report?.created_at ?? r.last_report_at);
      this.body.append(h("tr", { dataset: { mmsi: r.mmsi, state: r.state }, onclick: (e) => e.target.tagName !== "A" && r.lat != null && this.desk.flyTo(r.lon, r.lat) },
        h("td", {}, h("strong", {}, this.desk.patrolName(r.mmsi)), h("br"), h("small.muted", {}, r.lat != null ? formatLatLon(r.lat, r.lon) : t("value.none"))),
        h("td", {}, h("span.state", {}, t(`patrol.state.${r.state}`)), Number.isFinite(seen) ? [h("br"), h("small.muted", {}, formatAge((now - seen) / 1000))] : null),
        h("td.num", {}, units.knots(r.speed)),
        h("td", { dataset: { overdue: r.case_overdue ? "1" : "" } }, r.case_id ? h("a", { href: "#", onclick: (e) => { e.preventDefault(); this.desk.open(r.case_id); } }, r.case_title || t("case.untitled")) : t("value.none")),
        h("td", {}, Number.isFinite(reportAt) ? `${report?.outcome ? t(`case.outcome.${report.outcome}`) : report?.note || t("patrol.report")} · ${formatAge((now - reportAt) / 1000)}` : t("value.none"))));
    }
  }
}
