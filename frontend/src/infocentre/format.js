// Times as the operator reads them: local date and time in the UI's language.

import { language, t } from "../i18n.js";

export function formatTime(iso) {
  return new Date(iso).toLocaleString(language(), { dateStyle: "short", timeStyle: "short" });
}

/** A datetime-local input's value as ISO-8601 with the browser's offset (never guessed). */
export function isoFromLocal(value) {
  return value ? new Date(value).toISOString() : null;
}

/** A mode's name in the UI's language: the label the configuration gives it (`specs`: name ->
 * spec from /api/modes), else the catalogue's for a built-in mode, else its name. */
export function modeLabel(name, specs = new Map()) {
  const spec = specs.get(name);
  const own = language() === "en" ? spec?.label_en : spec?.label;
  if (own) return own;
  const key = `mode.name.${name}`;
  const known = t(key);
  return known !== key ? known : spec?.label || name;
}
