// The modes in force (雾防, 防台, 冬防...), shown in the top bar of every screen so that
// nobody reads an alert without knowing which rule set produced it.

import { api } from "../api.js";
import { h } from "../dom.js";
import { language, t } from "../i18n.js";

const POLL_MS = 30_000;

export function modesBadge() {
  // a click opens the modes tab of the information centre where the view has one
  const badge = h("span.modes-badge", { dataset: { count: "0" }, "aria-live": "polite", role: "button", tabindex: 0,
    onclick: () => window.dispatchEvent(new CustomEvent("modesopen")),
    onkeydown: (e) => e.key === "Enter" && window.dispatchEvent(new CustomEvent("modesopen")) });
  let active = [];
  let specs = new Map();
  const label = (name) => {
    const spec = specs.get(name);
    return (language() === "en" && spec?.label_en) || spec?.label || name;
  };
  const render = () => {
    badge.dataset.count = String(active.length);
    badge.textContent = active.length
      ? `${t("mode.active")}: ${[...new Set(active.map((a) => label(a.mode)))].join(" · ")}`
      : t("mode.none");
    badge.title = active.map((a) => `${label(a.mode)}${a.area ? ` (${t("mode.area")})` : ""}${a.reason ? `: ${a.reason}` : ""}`).join("\n");
  };
  const poll = async () => {
    if (!badge.isConnected && badge.dataset.started) return clearInterval(timer);
    badge.dataset.started = "1";
    try {
      const data = await api("modes");
      specs = new Map(data.modes.map((m) => [m.name, m]));
      active = data.active;
      render();
    } catch {
      /* an older server or a lost connection: keep what is shown */
    }
  };
  const timer = setInterval(poll, POLL_MS);
  window.addEventListener("langchange", render);
  window.addEventListener("modeschange", poll);
  render();
  poll();
  return badge;
}
