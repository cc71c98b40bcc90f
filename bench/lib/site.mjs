// Builds what the bench serves and weighs, the way an app ships it: esbuild bundles, minified,
// ES modules, code splitting on (so the engine's wasm-bindgen glue stays in a lazy chunk that the
// fast path never loads). `authgear-migrate` is the package in this repository (pkg/).
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { build } from "esbuild";
import { BENCH, ROOT } from "./procs.mjs";

export const SITE = `${BENCH}.site/`;
const WASM = `${ROOT}pkg/dist/wasm/authgear_migrate_bg.wasm`;

/** How an app bundles the package: also what the package test of the fast path's chunks uses. */
export const APP_BUNDLE = {
  bundle: true,
  format: "esm",
  splitting: true,
  minify: true,
  platform: "browser",
  target: "es2022",
  legalComments: "none",
  logLevel: "error",
  alias: { "authgear-migrate": `${ROOT}pkg/src/index.js` },
  absWorkingDir: ROOT,
};

/**
 * The two bench pages (engine, hand-written), each bundled on its own with @authgear/web, in
 * .site/; the engine's .wasm beside its glue chunk, as a bundler user places it.
 */
export async function buildSite() {
  rmSync(SITE, { recursive: true, force: true });
  mkdirSync(SITE, { recursive: true });
  for (const kind of ["engine", "handwritten"]) {
    await build({ ...APP_BUNDLE, entryPoints: { [`${kind}-app`]: `${BENCH}pages/${kind}-app.js` }, outdir: SITE, chunkNames: `${kind}-[name]-[hash]` });
    copyFileSync(`${BENCH}pages/${kind}.html`, `${SITE}${kind}.html`);
  }
  copyFileSync(WASM, `${SITE}authgear_migrate_bg.wasm`);
  copyFileSync(`${BENCH}pages/engine.html`, `${SITE}index.html`);
  return SITE;
}

/**
 * Each subject of the weight table bundled alone (what it adds to an app), into .site/weight/.
 * Answers the files of each, by subject.
 */
export async function buildWeightBundles() {
  const out = `${SITE}weight/`;
  rmSync(out, { recursive: true, force: true });
  const subjects = {
    engine: `export { migrateSession } from "authgear-migrate";`,
    handwritten: `export { migrateLegacySession } from "./bench/handwritten/migrate.js";`,
    "jose-decodeJwt": `export { decodeJwt } from "jose";`,
    "authgear-web": `export { default } from "@authgear/web";`,
  };
  const files = {};
  for (const [name, contents] of Object.entries(subjects)) {
    const dir = `${out}${name}/`;
    await build({ ...APP_BUNDLE, stdin: { contents, resolveDir: ROOT, loader: "js" }, outdir: dir, entryNames: "index", chunkNames: "chunk-[hash]" });
    files[name] = readdirSync(dir).map((file) => `${dir}${file}`).filter((file) => statSync(file).isFile());
  }
  return files;
}
