// Pure navigation geometry (no DOM): what a patrol crew needs to steer to a target, and the
// dead-reckoned point that draws a vessel's predicted-course vector.

const EARTH_NM = 3440.065; // mean Earth radius in nautical miles
const rad = (d) => (d * Math.PI) / 180;
const deg = (r) => (r * 180) / Math.PI;

/** Great-circle distance in nautical miles. */
export function distanceNm(lat1, lon1, lat2, lon2) {
  const dLat = rad(lat2 - lat1);
  const dLon = rad(lon2 - lon1);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_NM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Initial true bearing from point 1 to point 2, 0..360 degrees. */
export function bearingDeg(lat1, lon1, lat2, lon2) {
  const y = Math.sin(rad(lon2 - lon1)) * Math.cos(rad(lat2));
  const x =
    Math.cos(rad(lat1)) * Math.sin(rad(lat2)) -
    Math.sin(rad(lat1)) * Math.cos(rad(lat2)) * Math.cos(rad(lon2 - lon1));
  return (deg(Math.atan2(y, x)) + 360) % 360;
}

/**
 * Where a vessel will be after `minutes` at `speedKn` on `courseDeg`. A flat-earth step is
 * enough: vectors are a few nautical miles long, far below where the error would show.
 */
export function deadReckon(lat, lon, speedKn, courseDeg, minutes) {
  const nm = (speedKn * minutes) / 60;
  const dLat = (nm / 60) * Math.cos(rad(courseDeg));
  const dLon = ((nm / 60) * Math.sin(rad(courseDeg))) / Math.max(0.01, Math.cos(rad(lat)));
  return [lon + dLon, lat + dLat];
}

/** Sixteen-point compass name key for a bearing (for the tablet's "NE 2.3 nm"). */
export function compassPoint(bearing) {
  const points = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"];
  return points[Math.round(bearing / 22.5) % 16];
}
