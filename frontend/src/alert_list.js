// The alert list as data (no DOM): merge pushed changes, filter, and sort the two ways users
// need: the centre by severity then newest (what is worst right now), an office by oldest
// open first (what has waited longest for its crew).

import { toMillis } from "./i18n.js";

export const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };
export const OPEN = new Set(["open", "acknowledged"]);
export const RULES = [
  "zone_entry", "speeding", "anchoring_prohibited", "anchor_drag", "loitering", "ais_gap",
  "close_quarters", "position_jump", "watchlist", "distress", "predicted_entry",
  "suspended_moving", "typhoon_shelter", "neighbour_notice",
  "radar_only", "position_mismatch",
];
export const STATUSES = ["open", "acknowledged", "resolved", "false_alarm"];

export class AlertList {
  constructor() {
    this.byId = new Map();
  }

  /** Replace everything with a fetched list. */
  reset(alerts) {
    this.byId = new Map(alerts.map((a) => [a.id, a]));
  }

  /** Merge one pushed or returned alert; returns true when it is new and critical. */
  upsert(alert) {
    const previous = this.byId.get(alert.id);
    this.byId.set(alert.id, { ...previous, ...alert });
    return !previous && alert.severity === "critical" && OPEN.has(alert.status);
  }

  get(id) {
    return this.byId.get(id);
  }

  all() {
    return [...this.byId.values()];
  }

  /** filters: {office, rule, status ("open" means open or acknowledged), mmsi}. */
  filtered(filters = {}) {
    return this.all().filter((a) => matches(a, filters));
  }
}

export function matches(alert, { office, rule, status, mmsi } = {}) {
  if (office && alert.office !== office) return false;
  if (rule && alert.rule !== rule) return false;
  if (mmsi && alert.mmsi !== mmsi && alert.other_mmsi !== mmsi) return false;
  if (status === "active") return OPEN.has(alert.status);
  if (status && alert.status !== status) return false;
  return true;
}

const time = (a) => toMillis(a.raised_at) || 0;

/** An open or acknowledged critical alert: stays at the top until someone closes it. */
const hot = (a) => OPEN.has(a.status) && a.severity === "critical";

/** Centre: open before closed, then critical first, then newest first. */
export function bySeverity(a, b) {
  return (
    Number(!OPEN.has(a.status)) - Number(!OPEN.has(b.status)) ||
    (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
    time(b) - time(a)
  );
}

/** Office: critical not yet closed first (unacknowledged, then acknowledged: it stays on top
 * until resolved), then the others open, then acknowledged, then closed; oldest first within. */
export function byOldestOpen(a, b) {
  const rank = (x) => (x.status === "open" ? 0 : x.status === "acknowledged" ? 1 : 2) + (hot(x) ? 0 : 2);
  return rank(a) - rank(b) || time(a) - time(b);
}

/** Seconds an alert has been waiting (until now, or until it was closed). */
export function ageSeconds(alert, now = Date.now()) {
  return (now - time(alert)) / 1000;
}

/** Open alerts per office from the alert list, vessels per office as the server counts them. */
export function officeCounts(offices, alerts, vesselsPerOffice = new Map()) {
  const counts = new Map(offices.map((o) => [o.id, { office: o, vessels: vesselsPerOffice.get(o.id) ?? 0, open: 0, critical: 0 }]));
  for (const a of alerts) {
    const row = counts.get(a.office);
    if (!row || !OPEN.has(a.status)) continue;
    row.open++;
    if (a.severity === "critical") row.critical++;
  }
  return [...counts.values()];
}
