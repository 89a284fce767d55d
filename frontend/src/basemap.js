// The map style: an offline basemap from the configuration's land polygons (OpenStreetMap
// coastline extract, served by seagrid at /api/basemap), or a configured raster tile URL that
// replaces it. No glyphs or sprites are referenced, so the style never reaches for a server
// that an offline machine does not have.

export const WATER = "#d4e6f1";
export const LAND = "#f1ede4";

export function baseStyle({ tileUrl = null, land = null, attribution = "" } = {}) {
  const style = { version: 8, sources: {}, layers: [{ id: "water", type: "background", paint: { "background-color": WATER } }] };
  if (tileUrl) {
    style.sources.tiles = { type: "raster", tiles: [tileUrl], tileSize: 256, attribution };
    style.layers.push({ id: "tiles", type: "raster", source: "tiles" });
  } else if (land) {
    style.sources.land = { type: "geojson", data: land, attribution };
    style.layers.push(
      { id: "land", type: "fill", source: "land", paint: { "fill-color": LAND } },
      { id: "coastline", type: "line", source: "land", paint: { "line-color": "#9aa9b5", "line-width": 0.8 } },
    );
  }
  return style;
}

/** Bounds [[w, s], [e, n]] of any GeoJSON, for fitting the view to cells or an office. */
export function boundsOf(geojson) {
  let w = 180, s = 90, e = -180, n = -90;
  const visit = (coords) => {
    if (typeof coords[0] === "number") {
      w = Math.min(w, coords[0]); e = Math.max(e, coords[0]);
      s = Math.min(s, coords[1]); n = Math.max(n, coords[1]);
    } else for (const c of coords) visit(c);
  };
  for (const f of geojson.features || []) if (f.geometry) visit(f.geometry.coordinates);
  return w > e ? null : [[w, s], [e, n]];
}
