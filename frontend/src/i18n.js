// Message catalogues and locale formatting. Every visible string comes from i18n/<lang>.json
// so that a language switch changes the whole UI; numbers and dates go through Intl so they
// follow the user's locale, while units stay nautical (kn, nm, degrees) in both languages.

export const LANGUAGES = ["zh-CN", "en"];
const STORE_KEY = "seagrid.lang";
const state = { lang: "zh-CN", messages: {}, fallback: {} };

async function loadCatalogue(lang) {
  const response = await fetch(`i18n/${lang}.json`);
  if (!response.ok) throw new Error(`catalogue ${lang}: HTTP ${response.status}`);
  return response.json();
}

/** Pick the language: remembered per user, then the server default, then zh-CN. */
export function preferredLanguage(user, serverDefault) {
  const remembered = localStorage.getItem(userKey(user)) || localStorage.getItem(STORE_KEY);
  for (const lang of [remembered, serverDefault]) if (LANGUAGES.includes(lang)) return lang;
  return "zh-CN";
}

function userKey(user) {
  return user ? `${STORE_KEY}.${user}` : STORE_KEY;
}

/** Switch the UI to `lang`; `remember` is false when the app picks it, not the user. */
export async function setLanguage(lang, user = null, remember = true) {
  if (!LANGUAGES.includes(lang)) throw new Error(`unknown language ${lang}`);
  if (!Object.keys(state.fallback).length) state.fallback = await loadCatalogue("zh-CN");
  state.messages = lang === "zh-CN" ? state.fallback : await loadCatalogue(lang);
  state.lang = lang;
  if (remember) localStorage.setItem(STORE_KEY, lang);
  if (remember && user) localStorage.setItem(userKey(user), lang);
  document.documentElement.lang = lang;
  document.title = t("app.title");
  applyI18n(document);
  window.dispatchEvent(new CustomEvent("langchange", { detail: lang }));
}

export function language() {
  return state.lang;
}

/** Translate `key`, filling `{name}` placeholders; a missing key shows itself, never blank. */
export function t(key, params = {}) {
  const text = state.messages[key] ?? state.fallback[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** Refresh elements that carry data-i18n* attributes (static parts of the views). */
export function applyI18n(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll("[data-i18n-title]")) {
    el.title = t(el.dataset.i18nTitle);
    el.setAttribute("aria-label", el.title);
  }
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return t("value.none");
  return new Intl.NumberFormat(state.lang, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}

/** Epoch milliseconds of a time the server sent: Unix seconds (number) or ISO-8601 text. */
export function toMillis(value) {
  if (value === null || value === undefined || value === "") return NaN;
  if (typeof value === "number") return value < 1e12 ? value * 1000 : value;
  return Date.parse(value);
}

// Dates and times as VTS logs write them, the same in both languages: 24-hour, ISO-like
// (2026-12-03 14:56), local time. Intl's "short" styles give 2026/12/3 in Chinese and
// 12/3/26, 2:56 PM in English: two forms for one log, and a 12-hour clock on a watch.
const pad = (n) => String(n).padStart(2, "0");

export function formatDateTime(iso, { seconds = false } = {}) {
  if (!iso || Number.isNaN(toMillis(iso))) return t("value.none");
  const d = new Date(toMillis(iso));
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClock(d, seconds)}`;
}

export function formatTime(iso) {
  if (!iso || Number.isNaN(toMillis(iso))) return t("value.none");
  return formatClock(new Date(toMillis(iso)), true);
}

function formatClock(d, seconds) {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? `:${pad(d.getSeconds())}` : ""}`;
}

export const units = {
  knots: (v) => (v == null ? t("value.none") : t("unit.kn", { value: formatNumber(v, 1) })),
  nm: (v) => (v == null ? t("value.none") : t("unit.nm", { value: formatNumber(v, v < 10 ? 2 : 1) })),
  degrees: (v) => (v == null ? t("value.none") : t("unit.deg", { value: formatNumber(v, 0) })),
  metres: (v) => (v == null ? t("value.none") : t("unit.m", { value: formatNumber(v, 1) })),
};

/** "3 min", "2 h 5 min": how long an alert has been waiting, in the user's language. */
export function formatAge(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t("age.seconds", { n: formatNumber(s) });
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return t("age.minutes", { n: formatNumber(minutes) });
  const hours = Math.floor(minutes / 60);
  return t("age.hours", { h: formatNumber(hours), m: formatNumber(minutes % 60) });
}

/** Degrees and decimal minutes, as VTS and ECDIS show positions: 25°01.94′N 119°04.79′E. */
export function formatLatLon(lat, lon) {
  if (lat == null || lon == null) return t("value.none");
  return `${ddm(lat, 2, "N", "S")} ${ddm(lon, 3, "E", "W")}`;
}

function ddm(value, width, pos, neg) {
  let degrees = Math.floor(Math.abs(value));
  let minutes = Math.round((Math.abs(value) - degrees) * 60 * 100) / 100;
  if (minutes >= 60) { degrees += 1; minutes = 0; } // 59.995′ rounds up to the next degree
  const mm = minutes.toFixed(2).padStart(5, "0");
  return `${String(degrees).padStart(width, "0")}°${mm}′${value >= 0 ? pos : neg}`;
}

/** Decimal degrees (on hover, or where a tool needs them): 25.0323°N 119.0798°E. */
export function formatLatLonDecimal(lat, lon) {
  if (lat == null || lon == null) return t("value.none");
  const fmt = (v, p, n) => `${Math.abs(v).toFixed(4)}°${v >= 0 ? p : n}`;
  return `${fmt(lat, "N", "S")} ${fmt(lon, "E", "W")}`;
}
