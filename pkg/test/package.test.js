// The package as published: its file list, its types, and importing it where there is no browser.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const PKG = fileURLToPath(new URL("..", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

test("npm pack ships exactly the intended files", () => {
  const [report] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--loglevel=error"], { cwd: PKG, encoding: "utf8" }));
  const files = report.files.map((file) => file.path).sort();
  assert.deepEqual(files, [
    "README.md",
    "dist/wasm/authgear_migrate.js",
    "dist/wasm/authgear_migrate_bg.wasm",
    "dist/wasm/locate.js",
    "index.d.ts",
    "package.json",
    "react-native.d.ts",
    "src/adapters/bridge.js",
    "src/adapters/capacitor.js",
    "src/adapters/detect.js",
    "src/adapters/protocol.js",
    "src/adapters/react-native.js",
    "src/check.js",
    "src/engine.js",
    "src/errors.js",
    "src/facts.d.ts",
    "src/facts.js",
    "src/gate.js",
    "src/index.js",
    "src/inspect.js",
    "src/instantiate.js",
    "src/keys.js",
    "src/messages.js",
    "src/migrate.js",
    "src/options.js",
    "src/presets.js",
    "src/react-native.js",
    "src/tabs.js",
  ].concat(process.env.EXTRA_PACKAGE_FILES?.split(",") ?? []).sort());
});

test("the types check against an example app that uses every option and outcome", () => {
  execFileSync(`${ROOT}node_modules/.bin/tsc`, ["--project", `${PKG}test/types/tsconfig.json`], { cwd: ROOT, encoding: "utf8" });
});

test("importing the package on a server (SSR) is harmless; calling it there says why not", async () => {
  const { migrateSession, MigrateError } = await import("../src/index.js");
  await assert.rejects(
    migrateSession({ authgear: { endpoint: "https://a.authgear.cloud", clientID: "c" }, exchange: { url: "https://a.example/x" }, legacy: { storage: "localStorage", key: "k" } }),
    (error) => error instanceof MigrateError && error.code === "ERR_NOT_IN_BROWSER",
  );
});

test("capacitorPreferences without its plugin says what it looked for", async () => {
  const { capacitorPreferences, MigrateError } = await import("../src/index.js");
  const refusal = (options) => {
    try {
      capacitorPreferences(options);
    } catch (error) {
      assert.ok(error instanceof MigrateError);
      assert.equal(error.code, "ERR_ADAPTER_UNAVAILABLE");
      return error.message;
    }
    assert.fail("no error");
  };
  assert.equal(refusal(), 'authgear-migrate: capacitorPreferences() needs the Capacitor plugin "Preferences": it is not registered in Capacitor.Plugins');
  assert.equal(refusal({ plugin: null }), "authgear-migrate: capacitorPreferences() needs a Capacitor plugin object: got null");
});

test("the fast path is one chunk: bundled as apps do, the entry imports no other chunk statically", async () => {
  const { build } = await import("esbuild");
  const { APP_BUNDLE } = await import("../../bench/lib/site.mjs");
  const result = await build({
    ...APP_BUNDLE,
    stdin: { contents: 'export { migrateSession } from "authgear-migrate";', resolveDir: ROOT, loader: "js" },
    outdir: `${ROOT}target/fast-path-test`,
    entryNames: "index",
    write: false,
    metafile: true,
  });
  const [, entry] = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith("/index.js"));
  assert.deepEqual(entry.imports.filter((imported) => imported.kind !== "dynamic-import"), []);
});
