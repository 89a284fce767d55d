// Boot and routing: sign in, load what every view needs once (UI config, basemap, cells,
// zones, offices), then open the view for the hash route or the user's role.

import { api, session } from "./api.js";
import { clear, h } from "./dom.js";
import { language, preferredLanguage, setLanguage, t } from "./i18n.js";
import { renderLogin } from "./views/login.js";
import { renderOperations } from "./views/operations.js";
import { renderSafetyReports } from "./safety_report/page.js";
import { renderTablet } from "./views/tablet.js";

const root = document.getElementById("app");
let teardown = () => {};
let context = null;

function defaultRoute(user) {
  if (user.role === "patrol") return "#/tablet";
  if (user.role === "office") return "#/office";
  return "#/console";
}

// Views a role is kept out of: an office user is sent to its office view, a patrol crew to
// its tablet (the server limits their data anyway; the centre console would only mislead).
const KEPT_OUT = { office: new Set(["console", "tablet"]), patrol: new Set(["console", "office"]) };

/** The route to go to instead of `view`, or null when the user may open it. */
export function redirectFor(user, view) {
  return KEPT_OUT[user.role]?.has(view || "console") ? defaultRoute(user) : null;
}

async function optional(path, fallback) {
  try {
    return await api(path);
  } catch (error) {
    if (error.status === 404) return fallback; // an older server without this endpoint
    throw error;
  }
}

async function loadContext(user) {
  const [ui, land, cells, zones, officeList] = await Promise.all([
    optional("config/ui", {}), optional("basemap", null), api("cells"), api("zones"), optional("offices", []),
  ]);
  const offices = (ui.offices?.length ? ui.offices : Array.isArray(officeList) ? officeList : officeList.items ?? [])
    .filter((o) => o.id !== ui.centre?.id);
  const patrol = new Set((ui.patrol_vessels || []).map((p) => p.mmsi));
  const byId = new Map([...offices, ...(ui.centre ? [ui.centre] : [])].map((o) => [o.id, o]));
  const officeName = (id) => {
    const o = byId.get(id);
    return !o ? id : (language() === "en" && o.name_en) || o.name || id;
  };
  return { user, ui, land, cells, zones, offices, patrol, officeName, token: () => session.token };
}

// A refusal says what it is: not allowed (403) or no longer possible (409), with the server's reason.
const ERROR_KEYS = { 403: "error.forbidden", 409: "error.conflict" };

function showError(error) {
  const key = ERROR_KEYS[error?.status] || "error.generic";
  const box = h("div.toast", { role: "alert" }, t(key, { message: error?.message || String(error) }));
  document.body.append(box);
  setTimeout(() => box.remove(), 6000);
}

function logout() {
  session.clear();
  context = null;
  location.hash = "#/login";
}

async function route() {
  const user = session.user;
  const redirect = user && redirectFor(user, location.hash.split("/")[1]);
  if (redirect) {
    history.replaceState(null, "", redirect); // before the current view is torn down: it stays
    if (document.body.dataset.ready) return;
  }
  teardown();
  teardown = () => {};
  if (!user) {
    if (location.hash !== "#/login") history.replaceState(null, "", "#/login");
    teardown = renderLogin(root, async (u) => {
      await setLanguage(preferredLanguage(u.name, language()), u.name, false);
      location.hash = defaultRoute(u);
    });
    return;
  }
  if (!location.hash || location.hash === "#/login") {
    history.replaceState(null, "", defaultRoute(user));
  }
  clear(root).append(h("p.loading", {}, t("app.loading")));
  context ??= await loadContext(user);
  const wanted = preferredLanguage(user.name, context.ui.language);
  if (wanted !== language()) await setLanguage(wanted, user.name, false);
  const ctx = { ...context, root, logout, showError };
  const [, view, arg] = location.hash.split("/");
  if (view === "tablet") teardown = renderTablet(ctx);
  else if (view === "reports") teardown = renderSafetyReports(ctx);
  else if (view === "office") {
    const office = user.role === "office" || user.role === "patrol" ? user.office : arg || ctx.offices[0]?.id;
    teardown = renderOperations(ctx, { mode: "office", office });
  } else teardown = renderOperations(ctx, { mode: "centre" });
  root.dataset.view = view || "console";
}

async function boot() {
  const user = session.user;
  await setLanguage(preferredLanguage(user?.name, null), user?.name, false);
  window.addEventListener("hashchange", () => route().catch(showError));
  window.addEventListener("sessionexpired", () => { context = null; location.hash = "#/login"; });
  await route();
  document.body.dataset.ready = "1";
}

boot().catch((error) => {
  showError(error);
  console.error(error);
});
