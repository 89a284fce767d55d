// Map overlays other than vessels: grid cells coloured by office, rule zones by kind, a
// vessel's track, open alerts and the selection ring. Each belongs to a toggle group.

import { labelExpression } from "./icons.js";

const EMPTY = { type: "FeatureCollection", features: [] };
const OFFICE_COLORS = ["#4c6ef5", "#12b886", "#fab005", "#f06595", "#7950f2", "#15aabf", "#82c91e", "#fd7e14"];
export const ZONE_COLORS = {
  restricted: "#e03131", speed_limit: "#1971c2", no_anchoring: "#f76707", anchorage: "#2f9e44",
  waterworks: "#ae3ec9", sand_mining_ban: "#a0522d",
};
const SEVERITY_COLORS = { critical: "#e03131", warning: "#f59f00", info: "#1c7ed6" };

export const GROUPS = {
  cells: ["cells-fill", "cells-line", "cells-label"],
  zones: ["zones-fill", "zones-line", "zones-label"],
  tracks: ["track-casing", "track-line", "track-points"],
  alerts: ["alerts-ring"],
};

export function officeColors(offices) {
  const colors = {};
  offices.forEach((o, i) => (colors[o.id] = OFFICE_COLORS[i % OFFICE_COLORS.length]));
  return colors;
}

function matchExpression(property, table, fallback) {
  const pairs = Object.entries(table).flat();
  return pairs.length ? ["match", ["get", property], ...pairs, fallback] : fallback;
}

export function installOverlays(map, { offices = [] } = {}) {
  for (const id of ["cells", "zones", "track", "alerts", "selection"]) map.addSource(id, { type: "geojson", data: EMPTY });
  const officeColor = matchExpression("office", officeColors(offices), "#868e96");
  const zoneColor = matchExpression("kind", ZONE_COLORS, "#495057");
  map.addLayer({ id: "cells-fill", type: "fill", source: "cells", paint: { "fill-color": officeColor, "fill-opacity": 0.08 } });
  map.addLayer({ id: "cells-line", type: "line", source: "cells", paint: { "line-color": officeColor, "line-width": 0.8, "line-opacity": 0.6 } });
  map.addLayer({ id: "zones-fill", type: "fill", source: "zones", paint: { "fill-color": zoneColor, "fill-opacity": 0.12 } });
  map.addLayer({ id: "zones-line", type: "line", source: "zones", paint: { "line-color": zoneColor, "line-width": 1.6, "line-dasharray": [3, 2] } });
  const line = ["==", ["geometry-type"], "LineString"];
  map.addLayer({ id: "track-casing", type: "line", source: "track", filter: line, layout: { "line-join": "round" }, paint: { "line-color": "#ffffff", "line-width": 5.5, "line-opacity": 0.9 } });
  map.addLayer({ id: "track-line", type: "line", source: "track", filter: line, layout: { "line-join": "round" }, paint: { "line-color": "#5f3dc4", "line-width": 3 } });
  map.addLayer({ id: "track-points", type: "circle", source: "track", minzoom: 14, filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 2.5, "circle-color": "#5f3dc4" } });
  map.addLayer({
    id: "alerts-ring", type: "circle", source: "alerts",
    paint: {
      "circle-radius": ["interpolate", ["linear"], ["zoom"], 8, 9, 13, 16],
      "circle-color": "rgba(0,0,0,0)",
      "circle-stroke-width": 3,
      "circle-stroke-color": matchExpression("severity", SEVERITY_COLORS, "#868e96"),
    },
  });
  map.addLayer({ id: "selection", type: "circle", source: "selection", paint: { "circle-radius": 14, "circle-color": "rgba(255,212,59,0.25)", "circle-stroke-width": 2, "circle-stroke-color": "#f08c00" } });
}

/** Labels go above the vessels: call after the vessel layers exist. */
export function installOverlayLabels(map) {
  map.addLayer({ id: "cells-label", type: "symbol", source: "cells", minzoom: 10, layout: { "icon-image": labelExpression("cell", "id"), "icon-allow-overlap": false } });
  map.addLayer({ id: "zones-label", type: "symbol", source: "zones", minzoom: 10, layout: { "icon-image": labelExpression("zone", "label"), "icon-allow-overlap": false } });
}

export function setGroupVisible(map, group, visible) {
  for (const id of GROUPS[group] || []) {
    if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", visible ? "visible" : "none");
  }
}

export function setSource(map, id, data) {
  if (!map.style) return; // the map was removed (the view changed): a late update is moot
  map.getSource(id)?.setData(data || EMPTY);
}

export function alertFeatures(alerts) {
  return {
    type: "FeatureCollection",
    features: alerts
      // no ring once the situation has ended (cleared): the ships are no longer there
      .filter((a) => a.lat != null && a.lon != null && a.status !== "resolved" && a.status !== "false_alarm" && !a.cleared_at)
      .map((a) => ({ type: "Feature", geometry: { type: "Point", coordinates: [a.lon, a.lat] }, properties: { id: a.id, severity: a.severity, rule: a.rule } })),
  };
}

export function trackFeatures(points) {
  const coords = points.filter((p) => p.lat != null && p.lon != null).map((p) => [p.lon, p.lat]);
  if (!coords.length) return EMPTY;
  return {
    type: "FeatureCollection",
    features: [
      { type: "Feature", geometry: { type: "LineString", coordinates: coords }, properties: {} },
      ...coords.map((c) => ({ type: "Feature", geometry: { type: "Point", coordinates: c }, properties: {} })),
    ],
  };
}
