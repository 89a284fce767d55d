// Drawing one polygon on the map: click to add corners, click the first corner (or
// "finish") to close it. The polygon is shown while drawn; `done` gets a GeoJSON Polygon.

const SOURCE = "info-draw";
const EMPTY = { type: "FeatureCollection", features: [] };

export class PolygonDraw {
  constructor(map) {
    this.map = map;
    this.points = [];
    this.active = false;
    this.onClick = (e) => this.add([e.lngLat.lng, e.lngLat.lat]);
    if (!map.getSource(SOURCE)) {
      map.addSource(SOURCE, { type: "geojson", data: EMPTY });
      map.addLayer({ id: "info-draw-fill", type: "fill", source: SOURCE, paint: { "fill-color": "#ae3ec9", "fill-opacity": 0.25 } });
      map.addLayer({ id: "info-draw-line", type: "line", source: SOURCE, paint: { "line-color": "#ae3ec9", "line-width": 2 } });
      map.addLayer({ id: "info-draw-points", type: "circle", source: SOURCE, filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 4, "circle-color": "#fff", "circle-stroke-color": "#ae3ec9", "circle-stroke-width": 2 } });
    }
  }

  start(onChange) {
    this.points = [];
    this.onChange = onChange;
    this.active = true;
    this.map.getCanvas().style.cursor = "crosshair";
    this.map.doubleClickZoom.disable();
    this.map.on("click", this.onClick);
    this.render();
  }

  add(point) {
    const first = this.points[0];
    if (first && this.points.length >= 3 && this.near(first, point)) return this.finish();
    this.points.push(point);
    this.render();
    this.onChange?.(this.points.length);
  }

  near(a, b) {
    const pa = this.map.project(a);
    const pb = this.map.project(b);
    return Math.hypot(pa.x - pb.x, pa.y - pb.y) < 10;
  }

  /** The closed polygon (null with fewer than 3 corners); stops drawing. */
  finish() {
    this.stop();
    if (this.points.length < 3) return null;
    this.polygon = { type: "Polygon", coordinates: [[...this.points, this.points[0]]] };
    this.render();
    this.onChange?.(this.points.length, this.polygon);
    return this.polygon;
  }

  stop() {
    this.active = false;
    this.map.off("click", this.onClick);
    this.map.getCanvas().style.cursor = "";
    this.map.doubleClickZoom.enable();
  }

  clear() {
    this.stop();
    this.points = [];
    this.polygon = null;
    this.render();
  }

  render() {
    const features = this.points.map((p) => ({ type: "Feature", geometry: { type: "Point", coordinates: p }, properties: {} }));
    if (this.polygon) features.push({ type: "Feature", geometry: this.polygon, properties: {} });
    else if (this.points.length >= 2) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: this.points }, properties: {} });
    this.map.getSource(SOURCE)?.setData({ type: "FeatureCollection", features });
  }
}
