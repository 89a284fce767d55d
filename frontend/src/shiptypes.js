// AIS ship type codes (ITU-R M.1371 table 53) grouped into the categories operators tell
// apart at a glance, each with its map colour. Patrol craft get their own colour because
// the crews look for each other first.

export const CATEGORIES = [
  { id: "cargo", color: "#2f9e44", test: (c) => c >= 70 && c <= 79 },
  { id: "tanker", color: "#c92a2a", test: (c) => c >= 80 && c <= 89 },
  { id: "passenger", color: "#1c7ed6", test: (c) => c >= 60 && c <= 69 },
  { id: "highspeed", color: "#f08c00", test: (c) => c >= 40 && c <= 49 },
  { id: "fishing", color: "#e8590c", test: (c) => c === 30 },
  { id: "tug", color: "#0b7285", test: (c) => c === 31 || c === 32 || c === 52 || c === 53 },
  { id: "pleasure", color: "#be4bdb", test: (c) => c === 36 || c === 37 },
  { id: "special", color: "#5f3dc4", test: (c) => [33, 34, 35, 50, 51, 54, 55, 58, 59].includes(c) },
  { id: "other", color: "#868e96", test: () => true },
];
export const PATROL_COLOR = "#e64980";

export function categoryOf(shipType) {
  if (shipType === null || shipType === undefined) return "unknown";
  return CATEGORIES.find((c) => c.test(shipType)).id;
}

/** A MapLibre `match` expression from category id to colour, for the vessel layers. */
export function colorExpression() {
  const pairs = CATEGORIES.flatMap((c) => [c.id, c.color]);
  return ["match", ["get", "cat"], "patrol", PATROL_COLOR, ...pairs, "#adb5bd"];
}
