// The README's options and presets tables against the TypeScript types: an option added to one
// and not the other fails here, so neither drifts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const TYPES = readFileSync(new URL("../index.d.ts", import.meta.url), "utf8");
// The unions generated from the engine's definitions (src/facts.rs).
const FACTS = readFileSync(new URL("../src/facts.d.ts", import.meta.url), "utf8");
const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** The text between `opening` and the first line that is exactly `closing` after it. */
function block(text, opening, closing) {
  const start = text.indexOf(opening);
  assert.ok(start >= 0, `the types have no ${JSON.stringify(opening)}`);
  const end = text.indexOf(`\n${closing}\n`, start);
  return text.slice(start + opening.length, end);
}

/** Member names declared at `indent` spaces in a block of the types. */
function members(body, indent = 2) {
  const pattern = new RegExp(`^ {${indent}}(\\w+)\\??:`, "gm");
  return [...body.matchAll(pattern)].map((match) => match[1]);
}

function interfaceMembers(name) {
  const opening = TYPES.match(new RegExp(`^(export )?interface ${name}\\b[^{]*\\{`, "m"));
  assert.ok(opening, `index.d.ts declares no interface ${name}`);
  return members(block(TYPES, opening[0], "}"));
}

/** The rows of the markdown table under `heading`, as arrays of cells. */
function table(heading) {
  const section = README.slice(README.indexOf(`\n${heading}\n`));
  assert.ok(section.length > 0, `README has no ${heading}`);
  const lines = section.split("\n").slice(1);
  const start = lines.findIndex((line) => line.startsWith("|"));
  const rows = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.split("|").slice(1, -1).map((cell) => cell.trim()));
  }
  return rows;
}

const code = (cell) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

test("the README's options table lists every option of the types, and nothing else", () => {
  const nested = { authgear: "AuthgearOptions", exchange: "ExchangeOptions" };
  const legacy = ["LegacyExpectations", "LegacyStorageSource", "LegacyCallbackSource", "LegacyCookieSource", "PresetCommon"];
  const expected = new Set(["legacy.preset"]);
  for (const name of interfaceMembers("MigrateOptions")) {
    if (nested[name]) for (const member of interfaceMembers(nested[name])) expected.add(`${name}.${member}`);
    else if (name !== "legacy") expected.add(name);
  }
  for (const source of legacy) for (const member of interfaceMembers(source)) expected.add(`legacy.${member}`);

  const documented = new Set(table("## Options").flatMap((row) => code(row[0])));
  assert.deepEqual([...documented].sort(), [...expected].sort());
});

test("the README's presets table has a row for every preset, with the options it takes", () => {
  const names = [...block(FACTS, "export type LegacyPresetName =", "").matchAll(/"([\w-]+)"/g)].map((match) => match[1]);
  const union = block(TYPES, "export type LegacyPresetSource =", "interface PresetCommon extends LegacyExpectations {");
  // Each `preset: "a" | "b";` starts one member of the union; its options follow at 6 spaces.
  const own = new Map();
  for (const part of union.split(/\bpreset: /).slice(1)) {
    const presets = [...part.slice(0, part.indexOf(";")).matchAll(/"([\w-]+)"/g)].map((match) => match[1]);
    for (const preset of presets) own.set(preset, members(part, 6));
  }
  assert.deepEqual([...own.keys()].sort(), [...names].sort(), "every preset name has a member in LegacyPresetSource");

  const rows = table("## Legacy SDK presets");
  for (const preset of names) {
    const row = rows.find((cells) => code(cells[0]).includes(preset));
    assert.ok(row, `no README row for the ${preset} preset`);
    const documented = code(row[3]);
    for (const option of own.get(preset).filter((name) => name !== "cookie")) {
      assert.ok(documented.includes(option), `the ${preset} row does not list its option ${option}`);
    }
  }
  assert.equal(rows.length, new Set(rows.map((cells) => cells[0])).size);
});
