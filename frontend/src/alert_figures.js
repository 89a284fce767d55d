// What an alert says beyond its rule name: the figures behind it (speed against the limit,
// CPA/TCPA, time to the zone, how long dark, distance dragged, the watchlist reason), the
// names of the vessels and zones in the UI's language, and whether the situation has ended
// or gone up the chain. Pure functions of the alert record (no DOM), shared by the alert
// panel, the tablet's task cards and the replay's alert list.

import { formatAge, formatDateTime, language, t, toMillis, units } from "./i18n.js";
import { modeLabel } from "./infocentre/format.js";

const NM_M = 1852;

/** A zone's configured name in the UI's language, never its raw id when a name exists. */
export function zoneName(zones, id) {
  if (!id) return "";
  const f = zones?.features?.find((z) => z.properties?.id === id);
  const p = f?.properties;
  return (p && ((language() === "en" && p.name_en) || p.name)) || id;
}

/** "MIN HUI YU 04658 (412345678)", the name as soon as the server or the map knows it. */
export function vesselLabel(mmsi, name) {
  if (mmsi == null) return "";
  return name ? `${name} (${mmsi})` : String(mmsi);
}

/** The vessel line of a card: one vessel, or both of a pair. */
export function vesselsLine(alert, nameOf = () => null) {
  const one = vesselLabel(alert.mmsi, alert.name || nameOf(alert.mmsi));
  if (alert.other_mmsi == null) return one;
  return `${one} ↔ ${vesselLabel(alert.other_mmsi, alert.other_name || nameOf(alert.other_mmsi))}`;
}

const FIGURES = {
  speeding: (d) => d.speed_kn != null && t("fig.speeding", { speed: units.knots(d.speed_kn), limit: units.knots(d.limit_kn) }),
  close_quarters: (d) => d.cpa_nm != null && t("fig.cpa", { cpa: units.nm(d.cpa_nm), tcpa: formatAge(Math.max(0, d.tcpa_s ?? 0)) }),
  predicted_entry: (d, a, ctx) => d.eta_s != null && t("fig.eta", { eta: formatAge(d.eta_s), zone: zoneName(ctx.zones, a.zone) }),
  ais_gap: (d, a, ctx) => d.last_report != null && t("fig.dark", { age: formatAge(darkSeconds(a, ctx.now)), last: formatDateTime(d.last_report) }),
  anchor_drag: (d) => d.distance_m != null && t("fig.dragged", { distance: units.metres(d.distance_m), radius: units.metres(d.radius_m) }),
  anchoring_prohibited: (d) => d.dwell_s != null && t("fig.dwell", { age: formatAge(d.dwell_s) }),
  loitering: (d) => d.dwell_s != null && t("fig.dwell", { age: formatAge(d.dwell_s) }),
  watchlist: (d) => d.reason && t("fig.reason", { reason: d.reason }),
  position_jump: (d) => d.implied_speed_kn != null && t("fig.jump", { speed: units.knots(d.implied_speed_kn) }),
  // a neighbouring MSA's handover: who sent it and the vessel's cases there
  neighbour_notice: (d) => d.neighbour_name && (d.case_summary?.counts
    ? t("fig.neighbour", { from: d.neighbour_name, ...d.case_summary.counts })
    : t("fig.neighbour_plain", { from: d.neighbour_name })),
};

/** "Raised in Fog mode": the seasonal modes in force where and when the alert was raised
 * (details.modes), "" in normal supervision. An alert read later must say which rule set
 * produced it (fog makes CPA 1 nm, typhoon flags small craft...). */
export function raisedInModes(alert) {
  const modes = alert.details?.modes;
  if (!Array.isArray(modes) || !modes.length) return "";
  return t("alerts.in_mode", { modes: modes.map((m) => modeLabel(m)).join(" · ") });
}

/** How long an ais_gap vessel has been dark: until now, or until the situation ended. */
export function darkSeconds(alert, now = Date.now()) {
  const last = toMillis(alert.details?.last_report);
  const end = alert.cleared_at ? toMillis(alert.cleared_at) : now;
  return Number.isNaN(last) ? alert.details?.silent_s ?? 0 : (end - last) / 1000;
}

/** The figures line of an alert ("" when the rule has none or the details lack them). */
export function alertFigures(alert, { zones = null, now = Date.now() } = {}) {
  const figure = FIGURES[alert.rule];
  const text = figure ? figure(alert.details || {}, alert, { zones, now }) : "";
  return text || "";
}

/** The last known course and speed of a dark vessel (ais_gap), for its card. */
export function lastKnown(alert) {
  const d = alert.details || {};
  if (alert.rule !== "ais_gap" || (d.last_speed == null && d.last_course == null)) return "";
  return t("fig.last_known", { speed: units.knots(d.last_speed), course: units.degrees(d.last_course) });
}

/** "Situation ended" once the pipeline has cleared it and it still waits for a person. */
export function isEnded(alert) {
  return Boolean(alert.cleared_at);
}

/** The highest level the alert has been escalated to, or null. */
export function escalation(alert) {
  const levels = alert.escalated_to || [];
  return levels.length ? levels[levels.length - 1] : null;
}

/** A history row's note in the UI's language: the pipeline writes codes, people write text. */
export function historyNote(row) {
  const note = row.note;
  if (!note) return "";
  if (row.change === "escalated") {
    const level = /^to (\w+)/.exec(note)?.[1];
    if (level) return t(`escalation.${level}`);
  }
  if (row.change === "cleared" && (note === "turned_away" || note === "zone_entry")) return t(`history.closed_by.${note}`);
  return note;
}

/** Distance in nm from metres, for the few figures given in metres. */
export function nmOf(metres) {
  return metres / NM_M;
}
