// Cases as data (no DOM): the vocabularies of CONTRACTS §8, what counts as overdue or as
// waiting for an acknowledgement, the board's order and counts, and how a case is seeded from
// an alert. Kept pure so the browser tests can check the rules without a server.

import { toMillis } from "../i18n.js";

export const CASE_TYPES = ["inspection", "verification", "escort", "search_rescue", "pollution", "other"];
export const CASE_STATUSES = ["new", "assigned", "acknowledged", "in_progress", "reported", "closed", "cancelled"];
export const PRIORITIES = ["critical", "high", "normal", "low"];
export const OUTCOMES = ["violation", "no_violation", "not_checked"];
export const MEASURES = ["warning", "correction", "fine", "detention", "referral"];
export const INCIDENT_KINDS = ["distress", "collision", "fire", "man_overboard", "pollution", "grounding", "other"];
export const CLOSED = new Set(["closed", "cancelled"]);
export const PRIORITY_RANK = { critical: 0, high: 1, normal: 2, low: 3 };
/** The board's quick views: every open case, the late ones, the ones nobody has confirmed. */
export const VIEWS = ["open", "overdue", "awaiting", "all"];

export const isOpen = (c) => !CLOSED.has(c.status);

/** Past its deadline and still open (the server's flag wins: it knows the escalation state). */
export function isOverdue(c, now = Date.now()) {
  if (!isOpen(c)) return false;
  if (c.overdue === true) return true;
  const deadline = toMillis(c.deadline);
  return Number.isFinite(deadline) && deadline < now;
}

/** Instructions not yet acknowledged, each with how long it has waited and whether it is late. */
export function pendingInstructions(c, now = Date.now()) {
  return (c.instructions || [])
    .filter((i) => !i.acknowledged_at)
    .map((i) => ({ ...i, waited_s: (now - (toMillis(i.created_at ?? i.at) || now)) / 1000, late: toMillis(i.deadline) < now }));
}

/**
 * Waiting for someone to confirm: an unacknowledged instruction, or (when the list does not
 * carry the instructions) the server's count of them, or a case assigned but not yet taken up.
 */
export function awaitingAck(c) {
  if (!isOpen(c)) return false;
  if (Array.isArray(c.instructions)) return c.instructions.some((i) => !i.acknowledged_at);
  if (typeof c.pending_instructions === "number") return c.pending_instructions > 0;
  return c.status === "assigned";
}

/** Board order: overdue first, then priority, then the nearest deadline, then newest. */
export function byUrgency(now = Date.now()) {
  return (a, b) =>
    Number(!isOpen(a)) - Number(!isOpen(b)) ||
    Number(!isOverdue(a, now)) - Number(!isOverdue(b, now)) ||
    (PRIORITY_RANK[a.priority] ?? 9) - (PRIORITY_RANK[b.priority] ?? 9) ||
    (toMillis(a.deadline) || Infinity) - (toMillis(b.deadline) || Infinity) ||
    (toMillis(b.created_at) || 0) - (toMillis(a.created_at) || 0);
}

/** Filters: {office, status, type, priority, view ("open" | "overdue" | "awaiting" | "all"), mmsi, patrol}. */
export function matchesCase(c, { office, status, type, priority, view = "all", mmsi, patrol } = {}, now = Date.now()) {
  if (office && c.office !== office) return false;
  if (status && c.status !== status) return false;
  if (type && c.type !== type) return false;
  if (priority && c.priority !== priority) return false;
  if (mmsi && c.mmsi !== mmsi) return false;
  if (patrol && c.patrol_mmsi !== patrol && !(c.instructions || []).some((i) => i.to === `patrol:${patrol}`)) return false;
  if (view === "open") return isOpen(c);
  if (view === "overdue") return isOverdue(c, now);
  if (view === "awaiting") return awaitingAck(c);
  return true;
}

export class CaseList {
  constructor() {
    this.byId = new Map();
  }

  reset(cases) {
    this.byId = new Map(cases.map((c) => [c.id, c]));
  }

  /** Merge a pushed or returned case; a detail's history and instructions are kept when a
   * list item (which lacks them) comes later. Returns the merged case. */
  upsert(c) {
    const merged = { ...this.byId.get(c.id), ...c };
    this.byId.set(c.id, merged);
    return merged;
  }

  get(id) {
    return this.byId.get(id);
  }

  all() {
    return [...this.byId.values()];
  }

  filtered(filters = {}, now = Date.now()) {
    return this.all().filter((c) => matchesCase(c, filters, now)).sort(byUrgency(now));
  }

  /** The case an alert belongs to (the newest open one if several link it). */
  ofAlert(alertId) {
    const linked = this.all().filter((c) => (c.alert_ids || []).includes(alertId));
    return linked.sort(byUrgency())[0] || null;
  }
}

/** Per office: open, overdue and awaiting-acknowledgement cases for the board's table. */
export function boardCounts(offices, cases, now = Date.now()) {
  const rows = new Map(offices.map((o) => [o.id, { office: o, open: 0, overdue: 0, awaiting: 0 }]));
  for (const c of cases) {
    const row = rows.get(c.office);
    if (!row || !isOpen(c)) continue;
    row.open++;
    if (isOverdue(c, now)) row.overdue++;
    if (awaitingAck(c)) row.awaiting++;
  }
  return [...rows.values()];
}

const TYPE_OF_RULE = {
  distress: "search_rescue", close_quarters: "verification", ais_gap: "verification",
  position_jump: "verification", watchlist: "verification", predicted_entry: "verification",
};
const PRIORITY_OF_SEVERITY = { critical: "high", warning: "normal", info: "low" };

/** A new case's fields from an alert: linked, and inheriting its vessel, office and position. */
export function caseFromAlert(alert, title) {
  return {
    type: TYPE_OF_RULE[alert.rule] || "inspection",
    title,
    office: alert.office,
    priority: alert.rule === "distress" ? "critical" : PRIORITY_OF_SEVERITY[alert.severity] || "normal",
    mmsi: alert.mmsi ?? null,
    alert_ids: [alert.id],
    ...(alert.lat != null && alert.lon != null ? { lat: alert.lat, lon: alert.lon } : {}),
  };
}

/** "patrol:413990601" -> {kind: "patrol", id: 413990601}; an office id -> {kind: "office", id}. */
export function instructionTarget(to) {
  const text = String(to ?? "");
  if (text.startsWith("patrol:")) return { kind: "patrol", id: Number(text.slice(7)) };
  return { kind: "office", id: text };
}

/** A case's point on the map: its own position, else its area's centre, else its vessel's. */
export function casePoint(c, vesselOf = () => null) {
  if (c.lat != null && c.lon != null) return [c.lon, c.lat];
  const ring = c.area?.type === "Polygon" ? c.area.coordinates[0] : c.area?.type === "MultiPolygon" ? c.area.coordinates[0][0] : null;
  if (ring?.length) {
    const pts = ring.slice(0, -1).length ? ring.slice(0, -1) : ring;
    return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
  }
  if (c.area?.type === "Point") return c.area.coordinates;
  const v = c.mmsi ? vesselOf(c.mmsi) : null;
  return v && v.lat != null ? [v.lon, v.lat] : null;
}

/** Seconds until the deadline (negative when past). */
export function secondsLeft(c, now = Date.now()) {
  const d = toMillis(c.deadline);
  return Number.isFinite(d) ? (d - now) / 1000 : null;
}
