// The checks options.js and presets.js share. A bad option throws ERR_INVALID_OPTION naming it
// on the spot; the sentence saying what was expected is worded by messages.js, loaded only
// then, so the fast path carries every check but none of the wording.

import { MigrateError } from "./errors.js";

/** Why each refusal was made: its rule, the value given, the rule's detail. */
const refusals = new WeakMap();

/** Throws ERR_INVALID_OPTION for `option`, refused by `rule` of messages.js. */
export function invalid(option, rule, got, detail) {
  const error = new MigrateError(MigrateError.ERR_INVALID_OPTION, `options.${option} is not valid`, { option });
  refusals.set(error, [rule, got, detail]);
  throw error;
}

/** `error` with the message that says what was expected, when it is a refusal; else itself. */
export async function worded(error) {
  const refusal = refusals.get(error);
  if (!refusal) return error;
  try {
    const { says } = await import("./messages.js");
    return new MigrateError(error.code, says(error.option, ...refusal), { option: error.option });
  } catch {
    // The wording could not load: the code and the option still say what is wrong.
    return error;
  }
}

export function isPlainObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `value` is an object holding only `names`; `option` is "" at the top. */
export function object(value, option, names) {
  if (!isPlainObject(value)) invalid(option || "options", "object", value);
  for (const name of Object.keys(value)) {
    if (!names.includes(name)) invalid(option ? `${option}.${name}` : name, "unknown", name, names);
  }
}

/** The checks below answer `fallback` for a value left out, where one is given. */
export function text(value, option, fallback) {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "string" || value.trim() === "") invalid(option, "text", value);
  return value;
}

export function oneOf(value, option, allowed, fallback) {
  if (value === undefined && fallback !== undefined) return fallback;
  if (!allowed.includes(value)) invalid(option, "oneOf", value, allowed);
  return value;
}

/** Absent, or of `type` (`typeof`); refused by `rule` (default: the type's). */
export function optional(value, option, type, rule = type) {
  if (value !== undefined && typeof value !== type) invalid(option, rule, value);
  return value;
}

/** None of `names` is given on `legacy`, refused by `rule`. */
export function absent(legacy, names, rule) {
  for (const name of names) {
    if (legacy[name] !== undefined) invalid(`legacy.${name}`, rule, legacy[name]);
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
