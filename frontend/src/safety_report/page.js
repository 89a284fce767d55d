// The Reports page (#/reports): navigation-safety situation reports (GET /api/reports) for a
// week, month or quarter, previewed in the page and downloaded as PDF. Centre users choose
// the whole jurisdiction or an office; office and patrol users get their own office only
// (the server enforces it too). The report is fetched with the session's token and shown
// from a blob URL, since an <iframe src> cannot carry an Authorization header.

import { session } from "../api.js";
import { clear, h, options } from "../dom.js";
import { LANGUAGES, language, t } from "../i18n.js";
import { topBar } from "../shell.js";

const PERIODS = ["week", "month", "quarter"];

/** Yesterday in Quanzhou: the last whole day, the usual end of a report. */
function yesterday() {
  return new Date(Date.now() - 86400000).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
}

export function renderSafetyReports(ctx) {
  const { root, user } = ctx;
  const centre = !["office", "patrol"].includes(user.role);
  const period = h("select", { name: "period" });
  options(period, PERIODS, (p) => t(`safety_report.period.${p}`));
  const end = h("input", { type: "date", name: "end", value: yesterday(), required: true });
  const office = h("select", { name: "office", disabled: !centre });
  const officeIds = centre ? ["", ...ctx.offices.map((o) => o.id)] : [user.office];
  options(office, officeIds, (id) => (id ? ctx.officeName(id) : t("safety_report.all")));
  const lang = h("select", { name: "report-lang" });
  options(lang, LANGUAGES, (l) => t(`lang.${l}`));
  lang.value = language();
  const status = h("span.report-status", { role: "status" });
  const frame = h("iframe.report-frame", { title: t("safety_report.title"), name: "report" });
  let url = null;

  const params = (format) => new URLSearchParams({ period: period.value, end: end.value, lang: lang.value, format, ...(office.value ? { office: office.value } : {}) });
  async function fetchReport(format) {
    status.textContent = t("safety_report.working");
    const response = await fetch(`api/reports?${params(format)}`, { headers: { Authorization: `Bearer ${session.token}` } });
    if (!response.ok) {
      const detail = await response.json().catch(() => ({}));
      status.textContent = "";
      throw new Error(response.status === 503 ? t("safety_report.unavailable") : detail.detail || response.statusText);
    }
    status.textContent = "";
    return response.blob();
  }
  async function preview(event) {
    event?.preventDefault();
    try {
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(await fetchReport("html"));
      frame.src = url;
    } catch (error) {
      ctx.showError(error);
    }
  }
  async function download() {
    try {
      const pdf = URL.createObjectURL(await fetchReport("pdf"));
      const name = `seagrid-${office.value || "all"}-${period.value}-${end.value}-${lang.value}.pdf`;
      const link = h("a", { href: pdf, download: name });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(pdf), 60000);
    } catch (error) {
      ctx.showError(error);
    }
  }

  const back = h("button.back", { type: "button", "data-i18n": "safety_report.back", onclick: () => history.back() }, t("safety_report.back"));
  const bar = topBar({ user, titleKey: "safety_report.title", onLogout: ctx.logout, extra: [back] });
  bar.setStatus("online");
  const label = (key, input) => h("label.field", {}, h("span", { "data-i18n": key }, t(key)), input);
  const form = h("form.report-form", { onsubmit: preview },
    label("safety_report.period", period), label("safety_report.end", end), label("safety_report.office", office),
    label("safety_report.lang", lang),
    h("button.primary", { type: "submit", "data-i18n": "safety_report.show" }, t("safety_report.show")),
    h("button", { type: "button", name: "pdf", onclick: download, "data-i18n": "safety_report.pdf" }, t("safety_report.pdf")),
    status);
  clear(root).append(h("div.layout.reports", {}, bar, h("main.report-main", {}, form, frame)));
  preview();
  return () => { if (url) URL.revokeObjectURL(url); };
}
