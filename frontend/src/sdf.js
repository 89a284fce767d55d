// Signed distance fields for map icons. MapLibre tints an icon with `icon-color` and draws an
// `icon-halo` only for SDF images, whose alpha encodes the distance to the shape's edge
// (alpha = 255 * (0.75 - d / 8), d in pixels, positive outside: the TinySDF convention).
// Icons are a few thousand pixels, so a brute-force distance to the edge pixels is enough.

const RADIUS = 8;
const CUTOFF = 0.25;

function edgePixels(inside, width, height) {
  const edges = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inside[y * width + x]) continue;
      const border =
        x === 0 || y === 0 || x === width - 1 || y === height - 1 ||
        !inside[y * width + x - 1] || !inside[y * width + x + 1] ||
        !inside[(y - 1) * width + x] || !inside[(y + 1) * width + x];
      if (border) edges.push(x, y);
    }
  }
  return edges;
}

function nearest(edges, x, y) {
  let best = Infinity;
  for (let i = 0; i < edges.length; i += 2) {
    const dx = edges[i] - x;
    const dy = edges[i + 1] - y;
    const d = dx * dx + dy * dy;
    if (d < best) best = d;
  }
  return Math.sqrt(best);
}

/** Turn a white-on-transparent ImageData mask into an SDF ImageData of the same size. */
export function toSdf(image) {
  const { width, height, data } = image;
  const inside = new Uint8Array(width * height);
  for (let i = 0; i < inside.length; i++) inside[i] = data[i * 4 + 3] > 127 ? 1 : 0;
  const edges = edgePixels(inside, width, height);
  const out = new ImageData(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const d = nearest(edges, x, y);
      const signed = inside[i] ? -d + 0.5 : d + 0.5;
      const alpha = Math.round(255 * (1 - CUTOFF - signed / RADIUS));
      out.data[i * 4] = out.data[i * 4 + 1] = out.data[i * 4 + 2] = 255;
      out.data[i * 4 + 3] = Math.max(0, Math.min(255, alpha));
    }
  }
  return out;
}
