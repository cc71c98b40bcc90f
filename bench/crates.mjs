// Where the Wasm's bytes go, per crate: a build that keeps names (wasm-bindgen without
// --remove-name-section, before wasm-opt), read with twiggy, its items grouped by the crate
// their name starts with. Raw bytes of the module before optimisation: a guide to what to cut,
// not the shipped size (see the weight table for that).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { ROOT } from "./lib/procs.mjs";

const RELEASE = `${ROOT}target/wasm32-unknown-unknown/wasm-release/authgear_migrate.wasm`;

/** The crate an item of twiggy's belongs to, from its demangled name. */
function crateOf(name) {
  if (/^data\[\d+\]$|^data segment/.test(name)) return "(read-only data)";
  if (/"function names" subsection|^custom section/.test(name)) return "(name section: not shipped)";
  if (/^(type|table|elem|import|export|global|memory|code)\b/.test(name)) return "(wasm sections)";
  // `<serde_json::de::Deserializer<R> as …>::f`, `<T as base64ct::Encoding>::f`, `core[hash]::fmt::…`.
  const path = name.replace(/^<T as /, "").replace(/^[<&\s]*(?:mut |dyn |impl )?[<&\s]*/, "");
  const crate = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::/.exec(path)?.[1];
  return crate ?? "(other)";
}

/** `{ total, crates: [[name, bytes, percent], …] }`, largest first. */
export function measureCrates() {
  const scratch = mkdtempSync(`${tmpdir()}/authgear-migrate-names-`);
  try {
    execFileSync("wasm-bindgen", [RELEASE, "--target", "web", "--out-dir", scratch, "--out-name", "named", "--no-typescript"], { stdio: "ignore" });
    const items = JSON.parse(execFileSync("twiggy", ["top", "-n", "100000", "-f", "json", `${scratch}/named_bg.wasm`], { encoding: "utf8", maxBuffer: 1 << 28 }));
    const crates = new Map();
    let total = 0;
    for (const item of items) {
      const bytes = item.shallow_size;
      const crate = crateOf(item.name);
      if (crate.startsWith("(name section")) continue;
      total += bytes;
      crates.set(crate, (crates.get(crate) ?? 0) + bytes);
    }
    return { total, crates: [...crates].sort((a, b) => b[1] - a[1]).map(([name, bytes]) => [name, bytes, (100 * bytes) / total]) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function cratesTable(breakdown, top = 14) {
  const rows = [["Wasm by crate (names kept, before wasm-opt; raw bytes)", "bytes", "share"]];
  for (const [name, bytes, percent] of breakdown.crates.slice(0, top)) rows.push([name, String(bytes), `${percent.toFixed(1)}%`]);
  const rest = breakdown.crates.slice(top).reduce((sum, [, bytes]) => sum + bytes, 0);
  if (rest) rows.push([`${breakdown.crates.length - top} more`, String(rest), `${((100 * rest) / breakdown.total).toFixed(1)}%`]);
  rows.push(["total", String(breakdown.total), "100%"]);
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { table } = await import("./lib/stats.mjs");
  console.log(table(cratesTable(measureCrates(), 30)));
}
