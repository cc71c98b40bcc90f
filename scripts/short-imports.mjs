// Gives the .wasm's imports, and the exports only the glue uses, short names, in the module and
// in the wasm-bindgen glue alike:
//   node scripts/short-imports.mjs <dir> <name>   (<dir>/<name>_bg.wasm and <dir>/<name>.js)
// wasm-bindgen names each import `__wbg_<method>_<16 hex digits>` under the module
// "./<name>_bg.js": some 130 names of 57 bytes, whose hashes no compressor can shrink, written
// once in the .wasm and once in the glue. Short names (`a`, `b`, … `aa`) change nothing else:
// the glue's import object is the only place that spells them. Its own exports (`__wbindgen_*`,
// the closures' `wasm_bindgen__convert__closures_____invoke__<hash>`) become `$a`, `$b`, …, in the
// glue wherever it spells them; `memory` and the engine's functions keep their names. Fails,
// writing nothing, when the glue does not spell each import exactly once as wasm-bindgen 0.2 does.
import { readFileSync, renameSync, writeFileSync } from "node:fs";

const [dir, name] = process.argv.slice(2);
if (!dir || !name) {
  console.error("usage: node scripts/short-imports.mjs <dir> <name>");
  process.exit(2);
}
const wasmPath = `${dir}/${name}_bg.wasm`;
const gluePath = `${dir}/${name}.js`;
const wasm = readFileSync(wasmPath);
let glue = readFileSync(gluePath, "utf8");

function fail(why) {
  console.error(`short-imports: ${why}; nothing was changed`);
  process.exit(1);
}

/** An unsigned LEB128 at `at`: [value, next offset]. */
function uleb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (at >= bytes.length || shift > 35) fail(`${wasmPath} is truncated or malformed`);
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

function encodeUleb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

const utf8 = (text) => [...encodeUleb(Buffer.byteLength(text)), ...Buffer.from(text)];

/** `a` … `z`, `aa` …: property names of the glue's import object (keywords such as `do` are
 *  valid there), never `__proto__`. */
function shortName(index) {
  let text = "";
  do {
    text = String.fromCharCode(97 + (index % 26)) + text;
    index = Math.floor(index / 26) - 1;
  } while (index >= 0);
  return text;
}

// The import section (id 2): module name, field name, then the import's kind and type.
if (wasm.readUInt32BE(0) !== 0x0061736d || wasm.readUInt32LE(4) !== 1) fail(`${wasmPath} is not a WebAssembly 1 module`);
let at = 8;
let section;
let exportSection;
while (at < wasm.length) {
  const id = wasm[at];
  const [size, body] = uleb(wasm, at + 1);
  if (body + size > wasm.length) fail(`${wasmPath} is truncated`);
  if (id === 2) section = { start: at, body, end: body + size };
  if (id === 7) exportSection = { start: at, body, end: body + size };
  at = body + size;
}
if (!section) fail(`${wasmPath} has no import section`);
if (!exportSection) fail(`${wasmPath} has no export section`);

const moduleName = `./${name}_bg.js`;
let [count, cursor] = uleb(wasm, section.body);
const entries = [];
const renamed = [...encodeUleb(count)];
for (let index = 0; index < count; index++) {
  const texts = [];
  for (let part = 0; part < 2; part++) {
    const [length, from] = uleb(wasm, cursor);
    texts.push(wasm.subarray(from, from + length).toString("utf8"));
    cursor = from + length;
  }
  const kind = wasm[cursor];
  if (kind !== 0 || texts[0] !== moduleName) fail(`import ${texts.join(" ")} is not a function of ${moduleName}`);
  const [, next] = uleb(wasm, cursor + 1);
  entries.push(texts[1]);
  renamed.push(...utf8("a"), ...utf8(shortName(index)), ...wasm.subarray(cursor, next));
  cursor = next;
}
if (cursor !== section.end) fail("the import section has bytes after its entries");

// The glue's import object: one `<name>: function(` key per import, and the module's key.
entries.forEach((field, index) => {
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const key = new RegExp(`(\\n\\s+)${escaped}(: function\\()`, "g");
  const found = glue.match(key)?.length ?? 0;
  if (found !== 1) fail(`${gluePath} spells the import ${field} ${found} times, not once`);
  glue = glue.replace(key, `$1${shortName(index)}$2`);
});
const moduleKey = `"${moduleName}": import0`;
if (glue.split(moduleKey).length !== 2) fail(`${gluePath} does not name the module ${moduleName} once`);
glue = glue.replace(moduleKey, "a: import0");

// The export section (id 7): name, then the export's kind and index. The glue's own exports
// are renamed wherever the glue spells them as a word; the names are hashes or `__`-prefixed, so
// no other word of the glue equals one, and `$` starts no identifier wasm-bindgen writes.
if (/\$[a-z]/.test(glue)) fail(`${gluePath} already spells a $-name`);
let [exportCount, exportCursor] = uleb(wasm, exportSection.body);
const exported = [...encodeUleb(exportCount)];
let shortened = 0;
for (let index = 0; index < exportCount; index++) {
  const [length, from] = uleb(wasm, exportCursor);
  let field = wasm.subarray(from, from + length).toString("utf8");
  const [, next] = uleb(wasm, from + length + 1);
  if (/^(__|wasm_bindgen__)/.test(field)) {
    const short = `$${shortName(shortened++)}`;
    glue = glue.replace(new RegExp(`\\b${field}\\b`, "g"), short);
    field = short;
  }
  exported.push(...utf8(field), ...wasm.subarray(from + length, next));
  exportCursor = next;
}
if (exportCursor !== exportSection.end) fail("the export section has bytes after its entries");

const out = Buffer.concat([
  wasm.subarray(0, section.start),
  Buffer.from([2, ...encodeUleb(renamed.length), ...renamed]),
  wasm.subarray(section.end, exportSection.start),
  Buffer.from([7, ...encodeUleb(exported.length), ...exported]),
  wasm.subarray(exportSection.end),
]);
// Both written aside first, then moved in: a failed write leaves the pair as it was.
writeFileSync(`${wasmPath}.tmp`, out);
writeFileSync(`${gluePath}.tmp`, glue);
renameSync(`${wasmPath}.tmp`, wasmPath);
renameSync(`${gluePath}.tmp`, gluePath);
