// The checks options.js and presets.js share, and the one wording of a bad option:
// `options.<option> must be <expected>; got <what was given>`.

import { MigrateError } from "./errors.js";

/** Throws ERR_INVALID_OPTION for `option`: "options.<option> <says>". */
export function fail(option, says) {
  throw new MigrateError(MigrateError.ERR_INVALID_OPTION, `options.${option} ${says}`, { option });
}

export function invalid(option, expected, got) {
  fail(option, `must be ${expected}; got ${describe(got)}`);
}

function describe(value) {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  if (value === undefined) return "nothing";
  return value === null || typeof value !== "object" ? String(value) : "an object";
}

export function isPlainObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `value` is an object holding only `names`; `option` is "" at the top. */
export function object(value, option, names) {
  if (!isPlainObject(value)) invalid(option || "options", "an object", value);
  for (const name of Object.keys(value)) {
    if (!names.includes(name)) fail(option ? `${option}.${name}` : name, `is not an option (known: ${names.join(", ")})`);
  }
}

/** The checks below answer `fallback` for a value left out, where one is given. */
export function text(value, option, fallback) {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "string" || value.trim() === "") invalid(option, "a non-empty string", value);
  return value;
}

export function oneOf(value, option, allowed, fallback) {
  if (value === undefined && fallback !== undefined) return fallback;
  if (!allowed.includes(value)) invalid(option, `one of ${allowed.map((name) => JSON.stringify(name)).join(", ")}`, value);
  return value;
}

/** Absent, or of `type` (`typeof`). */
export function optional(value, option, type, expected) {
  if (value !== undefined && typeof value !== type) invalid(option, expected, value);
  return value;
}

/** None of `names` is given on `legacy`, `when` (the reason, for the message). */
export function absent(legacy, names, when) {
  for (const name of names) {
    if (legacy[name] !== undefined) invalid(`legacy.${name}`, `absent ${when}`, legacy[name]);
  }
}

/** `new URL`, or undefined for what is not a URL. */
export function parseURL(value, base) {
  try {
    return new URL(value, base);
  } catch {
    return undefined;
  }
}
