// Icons and labels drawn to canvases and handed to MapLibre with addImage: there is no sprite
// or glyph server on an offline machine, and canvas text renders Chinese names with the
// system's fonts. Icons are signed distance fields, tinted per feature with `icon-color`.

import { toSdf } from "./sdf.js";

const RATIO = 2; // draw at 2x so icons stay sharp on high-density screens

function canvas(width, height) {
  const c = document.createElement("canvas");
  c.width = width * RATIO;
  c.height = height * RATIO;
  const ctx = c.getContext("2d");
  ctx.scale(RATIO, RATIO);
  return [c, ctx];
}

function imageData(c) {
  return c.getContext("2d").getImageData(0, 0, c.width, c.height);
}

const PAD = 4; // room around the shape for the SDF halo

/** A pointed hull, bow up, so `icon-rotate` by heading points it where the ship points. */
function shipIcon() {
  const [c, ctx] = canvas(16 + 2 * PAD, 24 + 2 * PAD);
  ctx.translate(PAD, PAD);
  ctx.beginPath();
  ctx.moveTo(8, 0);
  ctx.quadraticCurveTo(15, 8, 14.5, 23);
  ctx.lineTo(1.5, 23);
  ctx.quadraticCurveTo(1, 8, 8, 0);
  ctx.closePath();
  ctx.fillStyle = "#fff";
  ctx.fill();
  return toSdf(imageData(c));
}

function circleIcon() {
  const [c, ctx] = canvas(10 + 2 * PAD, 10 + 2 * PAD);
  ctx.beginPath();
  ctx.arc(5 + PAD, 5 + PAD, 4.5, 0, Math.PI * 2);
  ctx.fillStyle = "#fff";
  ctx.fill();
  return toSdf(imageData(c));
}

export function addVesselIcons(map) {
  for (const [name, draw] of [["ship", shipIcon], ["dot", circleIcon]]) {
    if (!map.hasImage(name)) map.addImage(name, draw(), { pixelRatio: RATIO, sdf: true });
  }
}

/**
 * Render `text` as a label image: called from the map's `styleimagemissing` event for images
 * named `label:<text>`, so only the labels actually on screen are ever drawn.
 */
export function labelImage(text, { color = "#102a43", halo = "rgba(255,255,255,0.9)", size = 12 } = {}) {
  const font = `600 ${size}px "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif`;
  const probe = document.createElement("canvas").getContext("2d");
  probe.font = font;
  const width = Math.ceil(probe.measureText(text).width) + 6;
  const height = size + 8;
  const [c, ctx] = canvas(width, height);
  ctx.font = font;
  ctx.textBaseline = "middle";
  ctx.lineJoin = "round";
  ctx.lineWidth = 3;
  ctx.strokeStyle = halo;
  ctx.strokeText(text, 3, height / 2);
  ctx.fillStyle = color;
  ctx.fillText(text, 3, height / 2);
  return imageData(c);
}

export const LABEL_PREFIX = "label:";

/** Serve `label:*` images on demand; other missing images are left to MapLibre's warning. */
export function installLabelImages(map, styles = {}) {
  map.on("styleimagemissing", (event) => {
    const id = event.id;
    if (!id.startsWith(LABEL_PREFIX) || map.hasImage(id)) return;
    const [kind, ...rest] = id.slice(LABEL_PREFIX.length).split("|");
    const text = rest.join("|");
    map.addImage(id, labelImage(text, styles[kind] || {}), { pixelRatio: RATIO });
  });
}

/** `label:<kind>|<text>` as a MapLibre expression over a feature property. */
export function labelExpression(kind, property) {
  return ["concat", `${LABEL_PREFIX}${kind}|`, ["to-string", ["get", property]]];
}
