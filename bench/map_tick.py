"""How long the map takes to apply one tick of 10,000 vessel updates, measured in Chromium.

The frontend's own VesselLayer (frontend/src/vessel_layer.js) runs in headless Debian
Chromium (software WebGL) over the bundled basemap; the page is served from the repository
files by Playwright's request interception, so no server and no network are involved. Each
tick moves all 10,000 vessels, as a `positions` message from /ws/live would, and times:

- apply_ms: merging the message into the layer and handing both GeoJSON sources to
  MapLibre (what blocks the page's main thread; target < 50 ms);
- frame_ms: from the start of the tick until MapLibre has re-tiled the data in its worker
  and drawn the frame (what the operator sees).

- repaint_only_ms: one redraw of the same 10,000 vessels without new data: the share of
  frame_ms that is software rasterisation (headless Chromium has no GPU here).

The baseline rebuilds every feature object from scratch each tick instead of updating the
layer's features in place.
Last line: JSON per CONTRACTS §7.
"""

from __future__ import annotations

import json
import mimetypes
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FRONTEND = REPO / "frontend"
LAND = REPO / "services" / "demo" / "config" / "land.geojson"
ORIGIN = "http://seagrid.bench"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
VESSELS = 10_000
TICKS = 12

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/vendor/maplibre-gl.css"><script src="/vendor/maplibre-gl.js"></script>
<style>html,body,#map{margin:0;width:100%;height:100%}</style></head>
<body><div id="map"></div><script type="module" src="/bench.js"></script></body></html>"""

SCRIPT = """
import { VesselLayer } from "/src/vessel_layer.js";
import { baseStyle } from "/src/basemap.js";

const land = await (await fetch("/land.geojson")).json();
const map = new maplibregl.Map({ container: "map", style: baseStyle({ land }),
  bounds: [[118.3, 24.4], [119.3, 25.3]], fadeDuration: 0 });
await new Promise((resolve) => map.on("load", resolve));
window.benchStage = "loaded";
const layer = new VesselLayer(map);
layer.install();

let seed = 1;
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const fleet = Array.from({ length: __VESSELS__ }, (_, i) => ({
  mmsi: 412000000 + i, lat: 24.45 + random() * 0.8, lon: 118.35 + random() * 0.9,
  speed: random() * 18, course: random() * 360, heading: random() < 0.7 ? Math.floor(random() * 360) : null,
  ship_type: [30, 52, 60, 70, 80, 37, null][i % 7], name: i % 3 ? `SHIP ${i}` : null,
  ts: new Date().toISOString(),
}));
const frame = () => new Promise((resolve) => map.once("idle", resolve));

function tickMessage() {
  for (const v of fleet) {
    v.lat += (random() - 0.5) * 0.001; v.lon += (random() - 0.5) * 0.001;
    v.course = (v.course + random() * 4 - 2 + 360) % 360; v.ts = new Date().toISOString();
  }
  // A fresh message each tick, as JSON.parse of a WebSocket frame would give.
  return { type: "positions", vessels: fleet.map((v) => ({ ...v })), removed: [] };
}

// Baseline: the obvious way, a fresh VesselLayer-equivalent rebuild of every feature object
// (same properties, same two sources) from the message each tick.
function naiveApply(message) {
  const fresh = new VesselLayer(map);
  for (const v of message.vessels) fresh.upsert(v, Date.now());
  fresh.flush();
}

async function repaint() {
  const done = frame();
  const t0 = performance.now();
  map.triggerRepaint();
  await done;
  return performance.now() - t0;
}

async function run(apply, ticks) {
  const applyMs = [], frameMs = [];
  for (let i = 0; i < ticks; i++) {
    const message = tickMessage();
    const done = frame();
    const t0 = performance.now();
    apply(message);
    const t1 = performance.now();
    await done;
    applyMs.push(t1 - t0);
    frameMs.push(performance.now() - t0);
  }
  return { applyMs, frameMs };
}

window.benchStage = "running";
const ours = await run((m) => { layer.apply(m); layer.flush(); }, __TICKS__);
const rendered = map.queryRenderedFeatures({ layers: ["vessel-icons"] }).length;
const naive = await run(naiveApply, __TICKS__);
const repaintMs = [];
for (let i = 0; i < 6; i++) repaintMs.push(await repaint());
window.benchResult = { ours, naive, repaintMs, rendered, vessels: layer.size };
"""


def _serve(route) -> None:  # type: ignore[no-untyped-def]
    path = route.request.url.removeprefix(ORIGIN).split("?")[0]
    if path == "/":
        return route.fulfill(body=PAGE, content_type="text/html")
    if path == "/bench.js":
        body = SCRIPT.replace("__VESSELS__", str(VESSELS)).replace("__TICKS__", str(TICKS))
        return route.fulfill(body=body, content_type="text/javascript")
    file = LAND if path == "/land.geojson" else FRONTEND / path.lstrip("/")
    if not file.is_file() or FRONTEND not in file.resolve().parents and file != LAND:
        return route.fulfill(status=404, body="not found")
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return route.fulfill(body=file.read_bytes(), content_type=kind)


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values[2:])  # the first ticks include JIT warm-up and icon uploads
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 1), "p95": round(p95, 1)}


def measure() -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route(f"{ORIGIN}/**", _serve)
        page.goto(f"{ORIGIN}/", wait_until="commit")
        page.wait_for_function("window.benchResult || null", timeout=100_000)
        result = page.evaluate("window.benchResult")
        browser.close()
    if errors:
        raise RuntimeError(f"page errors: {errors}")
    ours, naive = result["ours"], result["naive"]
    apply, frame = _summary(ours["applyMs"]), _summary(ours["frameMs"])
    base = _summary(naive["applyMs"])
    return {
        "bench": "map_tick",
        "vessels": result["vessels"],
        "rendered": result["rendered"],
        "ticks": TICKS,
        "apply_ms_p50": apply["p50"],
        "apply_ms_p95": apply["p95"],
        "frame_ms_p50": frame["p50"],
        "frame_ms_p95": frame["p95"],
        "baseline_apply_ms_p50": base["p50"],
        "baseline_frame_ms_p50": _summary(naive["frameMs"])["p50"],
        "repaint_only_ms_p50": _summary(result["repaintMs"])["p50"],
        "target_apply_ms": 50,
        "ratio": round(base["p50"] / apply["p50"], 2) if apply["p50"] else None,
    }


def main() -> int:
    global VESSELS, TICKS
    if "--quick" in sys.argv[1:]:  # small sizes, for the test that keeps this bench working
        VESSELS, TICKS = 1_000, 3
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install -y chromium", file=sys.stderr)
        return 2
    figures = measure()
    print(
        f"one tick of {figures['vessels']} vessel updates: apply p50 {figures['apply_ms_p50']} ms, "
        f"p95 {figures['apply_ms_p95']} ms; drawn p50 {figures['frame_ms_p50']} ms"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
