// History replay: the recorded tracks of the vessels and the alerts of a chosen time range,
// played back on a timeline at a chosen speed. While it plays, live positions are held back
// from the map; "back to live" re-subscribes, which makes the server send a fresh snapshot.
// A banner over the map says that what it shows is not live, with the alerts open at the
// replayed time (the live alert panel beside it keeps showing the present).
//
// The API has no bulk history endpoint yet, so tracks are fetched per vessel (the vessels
// of the live picture, a few requests at a time); see frontend/README.md.

import { api } from "./api.js";
import { h } from "./dom.js";
import { alertFigures, raisedInModes, vesselsLine } from "./alert_figures.js";
import { formatDateTime, t, toMillis } from "./i18n.js";
import { mapBbox } from "./live.js";

const SPEEDS = [1, 10, 60, 300];
const MAX_VESSELS = 2000;
const PARALLEL = 6;

/** Pure: the last point at or before `time` (ms) in points sorted by time, or null. */
export function pointAt(points, time) {
  let lo = 0, hi = points.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].t <= time) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found < 0 ? null : points[found];
}

/** Pure: alerts open at `time` (raised at or before it, not yet cleared or closed). */
export function alertsAt(alerts, time) {
  return alerts.filter((a) => toMillis(a.raised_at) <= time && !(toMillis(a.cleared_at) <= time));
}

export class Replay {
  constructor(mapView, { onAlerts = () => {}, staleSeconds = 600 } = {}) {
    this.mapView = mapView;
    this.onAlerts = onAlerts;
    this.staleMs = staleSeconds * 1000;
    this.tracks = new Map();
    this.alerts = [];
    this.playing = false;
    this.active = false;
    this.element = this.build();
    this.alertList = h("ol.replay-alerts", {});
    this.bannerText = h("strong", {});
    this.banner = h("div.replay-banner", { hidden: true, role: "status" }, this.bannerText, this.alertList);
    window.addEventListener("langchange", () => this.relabel());
  }

  relabel() {
    this.playButton.textContent = t(this.playing ? "replay.pause" : "replay.play");
    if (this.active && this.clock.dataset.time) this.seek(Number(this.slider.value) / 1000);
  }

  build() {
    this.from = h("input", { type: "datetime-local", name: "replay-from" });
    this.to = h("input", { type: "datetime-local", name: "replay-to" });
    this.speed = h("select", { name: "replay-speed" }, SPEEDS.map((s) => h("option", { value: s }, `${s}×`)));
    this.speed.value = "60";
    this.slider = h("input.timeline", { type: "range", name: "replay-time", min: 0, max: 1000, value: 0, oninput: () => this.seek(Number(this.slider.value) / 1000) });
    this.clock = h("output.clock", {});
    this.status = h("span.muted", {});
    this.playButton = h("button", { type: "button", dataset: { action: "play" }, onclick: () => this.toggle() }, t("replay.play"));
    return h("div.replay-bar", { hidden: true },
      h("strong", { "data-i18n": "replay.title" }, t("replay.title")),
      h("label", {}, h("span", { "data-i18n": "replay.from" }, t("replay.from")), this.from),
      h("label", {}, h("span", { "data-i18n": "replay.to" }, t("replay.to")), this.to),
      h("label", {}, h("span", { "data-i18n": "replay.speed" }, t("replay.speed")), this.speed),
      this.playButton, this.slider, this.clock, this.status,
      h("button", { type: "button", dataset: { action: "live" }, "data-i18n": "replay.live", onclick: () => this.stop() }, t("replay.live")));
  }

  /** Open the bar on the last 30 minutes (the inputs count in whole minutes: round up), or
   * from the first recorded minute when the history is shorter than that. */
  async open() {
    const local = (ms) => { const d = new Date(ms); return new Date(ms - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); };
    this.element.hidden = false;
    if (this.loadedRange) return;
    const end = Math.ceil(Date.now() / 60000) * 60000;
    this.from.value = local(end - 30 * 60000);
    this.to.value = local(end);
    try {
      const first = await api("history", { params: { since: (end - 30 * 60000) / 1000, until: end / 1000, limit: 1 } });
      const t0 = toMillis(first.points?.[0]?.ts);
      if (!Number.isNaN(t0)) this.from.value = local(Math.floor(t0 / 60000) * 60000);
    } catch {
      // the default range stands
    }
  }

  range() {
    return [new Date(this.from.value).getTime(), new Date(this.to.value).getTime()];
  }

  async load() {
    const [since, until] = this.range();
    this.status.textContent = t("replay.loading");
    const params = { since: since / 1000, until: until / 1000 };
    const live = await api("vessels", { params: { limit: MAX_VESSELS } });
    const vessels = live.vessels ?? live;
    this.names = new Map(vessels.map((v) => [v.mmsi, v]));
    this.tracks = new Map();
    for (let i = 0; i < vessels.length; i += PARALLEL) {
      await Promise.all(vessels.slice(i, i + PARALLEL).map(async (v) => {
        const track = await api(`vessels/${v.mmsi}/track`, { params });
        const points = (track.points ?? []).map((p) => ({ ...p, t: toMillis(p.ts) }));
        if (points.length) this.tracks.set(v.mmsi, points);
      }));
    }
    const page = await api("alerts", { params: { ...params, limit: 1000 } });
    this.alerts = page.items ?? page;
    this.status.textContent = t("replay.loaded", { vessels: this.tracks.size, alerts: this.alerts.length });
    this.loadedRange = `${since}-${until}`;
  }

  async toggle() {
    if (this.playing) return this.pause();
    const [since, until] = this.range();
    if (!(since < until)) return;
    if (this.loadedRange !== `${since}-${until}`) await this.load();
    this.start();
  }

  start() {
    this.active = true;
    this.banner.hidden = false;
    this.playing = true;
    this.mapView.live.paused = true;
    this.playButton.textContent = t("replay.pause");
    this.last = performance.now();
    const step = (now) => {
      if (!this.playing) return;
      const [since, until] = this.range();
      const dt = (now - this.last) * Number(this.speed.value);
      this.last = now;
      const fraction = Math.min(1, Number(this.slider.value) / 1000 + dt / (until - since));
      this.seek(fraction);
      if (fraction >= 1) return this.pause();
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }

  pause() {
    this.playing = false;
    this.playButton.textContent = t("replay.play");
  }

  /** Show the picture at `fraction` of the range (0..1). */
  seek(fraction) {
    const [since, until] = this.range();
    const time = since + fraction * (until - since);
    this.slider.value = String(Math.round(fraction * 1000));
    this.clock.textContent = formatDateTime(new Date(time).toISOString());
    this.clock.dataset.time = String(time);
    const vessels = [];
    for (const [mmsi, points] of this.tracks) {
      const p = pointAt(points, time);
      if (!p || time - p.t > this.staleMs) continue;
      const known = this.names.get(mmsi) || {};
      vessels.push({ mmsi, lat: p.lat, lon: p.lon, speed: p.speed, course: p.course, heading: p.heading, ts: p.t / 1000, name: known.name, ship_type: known.ship_type });
    }
    this.mapView.vessels.records.clear();
    this.mapView.vessels.now = () => time;
    this.mapView.vessels.apply({ vessels, removed: [] });
    const open = alertsAt(this.alerts, time);
    this.onAlerts(open);
    this.renderBanner(time, open);
  }

  /** "Replay, not live", the replayed time, and the alerts open then. */
  renderBanner(time, open) {
    this.bannerText.textContent = t("replay.banner", { time: formatDateTime(new Date(time).toISOString(), { seconds: true }) });
    const shown = open.slice(0, 8);
    this.alertList.replaceChildren(...shown.map((a) => h("li", { dataset: { severity: a.severity, id: a.id } },
      h("span.severity", {}, t(`severity.${a.severity}`)), " ", h("strong", {}, t(`rule.${a.rule}`)), " ",
      vesselsLine(a, (m) => this.names?.get(m)?.name), " ", h("span.muted", {}, [alertFigures(a, { zones: this.mapView.zones }), raisedInModes(a)].filter(Boolean).join(" · ")))),
      ...(shown.length ? [] : [h("li.muted", {}, t("replay.no_alerts"))]));
  }

  /** Back to live: drop the replayed picture and ask the server for a fresh snapshot. */
  stop() {
    this.pause();
    this.active = false;
    this.element.hidden = true;
    this.banner.hidden = true;
    this.mapView.live.paused = false;
    this.mapView.vessels.now = Date.now;
    this.mapView.vessels.clear();
    this.mapView.live.subscribe(mapBbox(this.mapView.map));
    this.onAlerts(null);
  }
}
