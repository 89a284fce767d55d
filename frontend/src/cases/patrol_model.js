// Patrol boats as data (no DOM): one row per configured boat with its live position, its
// state (free, on task, out of contact), its current task and last report, and the ranking
// behind "assign to patrol boat": free boats of the right office first, nearest first.
// `GET /api/patrols` answers all of this; where a field is missing (an older server) it is
// derived from the live picture and the case list, by the same rules the server documents.

import { distanceNm } from "../geo.js";
import { toMillis } from "../i18n.js";
import { isOpen } from "./case_model.js";

export const PATROL_STATES = ["free", "on_task", "out_of_contact"];
// Speed used for a patrol boat's time to reach when the configuration gives none (kn): a
// typical cruising speed of the 20-40 m patrol craft of a local MSA office.
export const DEFAULT_SERVICE_KN = 18;
// A boat whose last AIS position is older than this is out of contact (seconds).
export const OUT_OF_CONTACT_S = 600;

/**
 * @param {{configured: object[], served?: object[]|null, live: (mmsi) => object|null,
 *          cases: object[], now?: number, staleSeconds?: number}} sources
 */
export function patrolRows({ configured, served = null, live, cases, now = Date.now(), staleSeconds = OUT_OF_CONTACT_S }) {
  const fromServer = new Map((served || []).map((p) => [Number(p.mmsi), p]));
  const mmsis = [...new Set([...configured.map((p) => Number(p.mmsi)), ...fromServer.keys()])];
  return mmsis.map((mmsi) => {
    const conf = configured.find((p) => Number(p.mmsi) === mmsi) || {};
    const srv = fromServer.get(mmsi) || {};
    const v = live(mmsi) || {};
    const row = { ...conf, ...srv, mmsi };
    for (const key of ["lat", "lon", "speed", "course"]) row[key] = v[key] ?? srv[key] ?? null;
    row.ts = v.ts ?? srv.last_seen ?? null;
    const task = cases.filter((c) => isOpen(c) && Number(c.patrol_mmsi) === mmsi).sort((a, b) => (toMillis(b.created_at) || 0) - (toMillis(a.created_at) || 0))[0];
    row.case_id = srv.case?.id ?? task?.id ?? null;
    row.case_title = srv.case?.title ?? task?.title ?? null;
    row.case_overdue = Boolean(srv.case?.overdue);
    if (!PATROL_STATES.includes(row.state)) {
      const age = (now - (toMillis(row.ts) || 0)) / 1000;
      row.state = age > staleSeconds ? "out_of_contact" : row.case_id ? "on_task" : "free";
    }
    row.service_speed_kn = Number(row.service_speed_kn) || DEFAULT_SERVICE_KN;
    return row;
  });
}

const STATE_RANK = { free: 0, on_task: 1, out_of_contact: 2 };

/**
 * Boats for a target point [lon, lat], each with `distance_nm` and `eta_min` at its service
 * speed: free boats first, then busy ones, then those out of contact; within a state the
 * office's own boats first when `office` is given, then the nearest. The first row is the
 * suggestion when it is free.
 */
export function rankBoats(rows, target, { office = null } = {}) {
  const ranked = rows.map((r) => {
    const distance = target && r.lat != null ? distanceNm(r.lat, r.lon, target[1], target[0]) : null;
    return { ...r, distance_nm: distance, eta_min: distance == null ? null : (distance / r.service_speed_kn) * 60 };
  });
  return ranked.sort((a, b) =>
    (STATE_RANK[a.state] ?? 3) - (STATE_RANK[b.state] ?? 3) ||
    Number(Boolean(office) && a.office !== office) - Number(Boolean(office) && b.office !== office) ||
    (a.distance_nm ?? 1e9) - (b.distance_nm ?? 1e9));
}

/** The suggested boat: the first ranked one if it is free, else none. */
export function suggestBoat(rows, target, opts) {
  const first = rankBoats(rows, target, opts)[0];
  return first && first.state === "free" ? first : null;
}

/** A circle of `radiusNm` around [lon, lat] as a GeoJSON polygon (for the emergency ring). */
export function circlePolygon(center, radiusNm, steps = 72) {
  const [lon, lat] = center;
  const dLat = radiusNm / 60;
  const dLon = dLat / Math.max(0.01, Math.cos((lat * Math.PI) / 180));
  const ring = [];
  for (let i = 0; i <= steps; i++) {
    const a = (i / steps) * 2 * Math.PI;
    ring.push([lon + dLon * Math.sin(a), lat + dLat * Math.cos(a)]);
  }
  return { type: "Polygon", coordinates: [ring] };
}
