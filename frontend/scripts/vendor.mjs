// Copy MapLibre GL JS's prebuilt files from node_modules into vendor/, which seagrid serves
// under /vendor/. No bundler: the machines are offline and the app is plain ES modules, so
// the only third-party code is MapLibre's own dist build, copied as published.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "node_modules", "maplibre-gl", "dist");
const target = join(root, "vendor");
const files = ["maplibre-gl.js", "maplibre-gl.css", "LICENSE.txt"];

mkdirSync(target, { recursive: true });
for (const name of files) {
  copyFileSync(join(source, name), join(target, name));
}
console.log(`vendor: copied ${files.join(", ")} to ${target}`);
