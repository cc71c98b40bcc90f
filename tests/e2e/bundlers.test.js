// The package as users get it: `npm pack`'s tarball installed into tiny apps built by Vite,
// webpack 5 and esbuild, each served by a devstack and run in Chromium.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { ROOT, demoOptions, launchChromium, legacySignIn, startDevstack, storageItem } from "./harness.js";

const WORK = `${ROOT}target/bundlers`;
let tarball;
let browser;

before(async () => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--loglevel=error", "--pack-destination", WORK], { cwd: `${ROOT}pkg`, encoding: "utf8" }));
  tarball = `${WORK}/${packed.filename}`;
  browser = await launchChromium();
});
after(() => browser?.close());

/** Installs the tarball and the bundler into a fresh app directory, and builds it. */
function build(bundler) {
  const dir = `${WORK}/${bundler}`;
  cpSync(`${ROOT}tests/bundlers/app`, dir, { recursive: true });
  cpSync(`${ROOT}tests/bundlers/${bundler}`, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(`${dir}/package.json`, "utf8"));
  manifest.dependencies = { "authgear-migrate": `file:${tarball}` };
  writeFileSync(`${dir}/package.json`, JSON.stringify(manifest, null, 2));
  const run = (...args) => execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  run("install");
  run("run", "build");
  return `${dir}/dist`;
}

describe("bundlers", () => {
  for (const bundler of ["vite", "webpack", "esbuild"]) {
    test(`${bundler}: built from the tarball, the migration runs`, { timeout: 240_000 }, async () => {
      const dist = build(bundler);
      const stack = await startDevstack(["--www", dist]);
      try {
        const page = await browser.newPage();
        const wasm = [];
        page.on("request", (request) => request.url().endsWith(".wasm") && wasm.push(new URL(request.url()).pathname));
        await page.goto(stack.urls.app);
        await page.waitForFunction(() => window.appReady === true);
        await legacySignIn(page, stack.urls);
        const outcome = await page.evaluate((options) => window.runMigration(options), demoOptions(stack.urls));
        assert.deepEqual(outcome, { status: "migrated", credential: "access_token", storage: "localStorage" });
        assert.ok(await storageItem(page, "authgear_default_refreshToken"));
        // The engine came out of the app's own build, not the devstack's copy of the package.
        assert.equal(wasm.length, 1);
        assert.ok(!wasm[0].startsWith("/pkg/"), wasm[0]);
        await page.close();
      } finally {
        await stack.stop();
      }
    });
  }
});
