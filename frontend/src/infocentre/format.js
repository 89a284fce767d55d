// Times as the operator reads them: local date and time in the UI's language.

import { language } from "../i18n.js";

export function formatTime(iso) {
  return new Date(iso).toLocaleString(language(), { dateStyle: "short", timeStyle: "short" });
}

/** A datetime-local input's value as ISO-8601 with the browser's offset (never guessed). */
export function isoFromLocal(value) {
  return value ? new Date(value).toISOString() : null;
}
