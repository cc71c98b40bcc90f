// 1. Weight: raw, gzip (level 9) and brotli (quality 11) bytes, file by file (each is fetched on
// its own, so compressed sizes are summed per file), of the package as published and as an app
// ships it, beside @authgear/web and jose from npm, and the hand-written migration.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { ROOT } from "./lib/procs.mjs";
import { buildWeightBundles } from "./lib/site.mjs";
import { kb, ratio } from "./lib/stats.mjs";
import { measureCrates } from "./crates.mjs";

function sizes(files) {
  let raw = 0, gzip = 0, brotli = 0;
  for (const file of files) {
    const bytes = readFileSync(file);
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
    brotli += brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }).length;
  }
  return { files: files.map((file) => relative(ROOT, file)), raw, gzip, brotli };
}

/** The modules `entry` reaches through static `import`/`export … from` (not `import()`). */
function staticGraph(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["'](\.[^"']+)["']/g)) {
      visit(resolve(dirname(file), match[1]));
    }
  };
  visit(entry);
  return [...seen];
}

/**
 * A minified chunk and the chunks it imports statically, which load with it: a module shared
 * with a lazy chunk lands in one of those, and the fast path pays for it too.
 */
function chunksLoaded(chunk) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*"(\.\/[^"]+)"/g)) visit(resolve(dirname(file), match[1]));
  };
  visit(chunk);
  return [...seen];
}

export async function measureWeight() {
  const bundles = await buildWeightBundles();
  const wasm = `${ROOT}pkg/dist/wasm/authgear_migrate_bg.wasm`;
  const glue = `${ROOT}pkg/dist/wasm/authgear_migrate.js`;
  const instantiate = `${ROOT}pkg/src/instantiate.js`;
  const wrapper = staticGraph(`${ROOT}pkg/src/index.js`);
  const bundledEngineJS = bundles.engine;
  const rows = {
    "engine .wasm": sizes([wasm]),
    "engine glue JS (wasm-bindgen, published)": sizes([glue]),
    [`fast path, published: the ${wrapper.length} wrapper modules the entry loads, no Wasm`]: sizes(wrapper),
    "migration path, published: wrapper + glue + .wasm": sizes([...wrapper, instantiate, glue, wasm]),
    "engine, as an app ships it: esbuild --minify JS + .wasm": sizes([...bundledEngineJS, wasm]),
    "  of which the fast path loads (entry chunk)": sizes(chunksLoaded(bundledEngineJS.find((file) => file.endsWith("index.js")))),
    "hand-written migration + jose decodeJwt (esbuild --minify)": sizes(bundles.handwritten),
    "jose decodeJwt alone (esbuild --minify)": sizes(bundles["jose-decodeJwt"]),
    "jose 6 published browser build (dist/webapi, all modules)": sizes(listJose()),
    "@authgear/web published (dist/authgear-web.module.js)": sizes([`${ROOT}node_modules/@authgear/web/dist/authgear-web.module.js`]),
    "@authgear/web (esbuild --minify)": sizes(bundles["authgear-web"]),
  };
  const versions = {
    "@authgear/web": JSON.parse(readFileSync(`${ROOT}node_modules/@authgear/web/package.json`, "utf8")).version,
    jose: JSON.parse(readFileSync(`${ROOT}node_modules/jose/package.json`, "utf8")).version,
  };
  const shipped = rows["engine, as an app ships it: esbuild --minify JS + .wasm"];
  const hand = rows["hand-written migration + jose decodeJwt (esbuild --minify)"];
  const sdk = rows["@authgear/web (esbuild --minify)"];
  let crates;
  try {
    crates = measureCrates();
  } catch (error) {
    crates = { failed: `twiggy or wasm-bindgen unavailable (${String(error?.message ?? error).split("\n")[0]})` };
  }
  return {
    versions,
    rows,
    crates,
    ratios: {
      engineShippedOverHandwritten: { raw: shipped.raw / hand.raw, gzip: shipped.gzip / hand.gzip, brotli: shipped.brotli / hand.brotli },
      engineShippedOverAuthgearWeb: { raw: shipped.raw / sdk.raw, gzip: shipped.gzip / sdk.gzip, brotli: shipped.brotli / sdk.brotli },
    },
  };
}

function listJose() {
  const root = `${ROOT}node_modules/jose/dist/webapi/`;
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory()) walk(`${path}/`);
      else if (entry.name.endsWith(".js")) out.push(path);
    }
  };
  walk(root);
  return out;
}


export function weightTable(weight) {
  const rows = [["weight (bytes, per file: raw / gzip -9 / brotli -q 11)", "raw", "gzip", "brotli"]];
  for (const [name, size] of Object.entries(weight.rows)) rows.push([name, kb(size.raw), kb(size.gzip), kb(size.brotli)]);
  const r = weight.ratios;
  const show = (x) => ratio(x, 1);
  rows.push(["ratio engine shipped / hand-written shipped", show(r.engineShippedOverHandwritten.raw), show(r.engineShippedOverHandwritten.gzip), show(r.engineShippedOverHandwritten.brotli)]);
  rows.push(["ratio engine shipped / @authgear/web minified", show(r.engineShippedOverAuthgearWeb.raw), show(r.engineShippedOverAuthgearWeb.gzip), show(r.engineShippedOverAuthgearWeb.brotli)]);
  return rows;
}
