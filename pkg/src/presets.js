// `legacy: { preset: "<sdk>", …options }`: validates a preset's options, with errors that name
// the option, and normalises them into the engine's `SourceSpec::Preset` (src/core/presets/).
// Where each SDK keeps its session is the engine's business; this file only knows which
// options each preset takes.

import { MigrateError } from "./errors.js";
import { SUPABASE_DEFAULT_KEY } from "./facts.js";

/** Each preset and the options it takes (besides `issuer`, `audience`, `bearer`, `cookie`). */
const PRESETS = {
  "auth0-spa": ["clientId", "scope"],
  firebase: ["apiKey", "appName"],
  amplify: ["clientId"],
  cognito: ["clientId"],
  supabase: ["url", "storageKey"],
  okta: ["storageKey"],
  msal: ["clientId", "scope"],
  "oidc-client-ts": ["authority", "clientId"],
  descope: ["prefix"],
  stytch: [],
  privy: [],
  kinde: [],
  clerk: [],
  authjs: [],
};

const SHARED = ["issuer", "audience", "bearer", "cookie"];

/** Every option name a preset can take: `normalizeLegacy` accepts them on `legacy`. */
export const PRESET_OPTIONS = ["preset", ...new Set([...Object.values(PRESETS).flat(), "bearer", "cookie"])];

const OTHER_SOURCES = ["storage", "key", "pointer", "read", "clear", "write"];

/**
 * The engine's source for `legacy.preset` (or `legacy.cookie` alone: cookie mode), or
 * `undefined` when `legacy` names neither.
 * @param {Record<string, unknown>} legacy
 */
export function normalizePreset(legacy) {
  const preset = legacy.preset;
  if (preset === undefined && legacy.cookie === undefined) {
    const stray = PRESET_OPTIONS.find((name) => name !== "preset" && legacy[name] !== undefined);
    if (stray) invalid(`legacy.${stray}`, "absent unless legacy.preset names the legacy SDK", legacy[stray]);
    return undefined;
  }
  for (const name of OTHER_SOURCES) {
    if (legacy[name] !== undefined) invalid(`legacy.${name}`, "absent when legacy.preset or legacy.cookie is given (one source at a time)", legacy[name]);
  }
  if (preset === undefined) {
    // Cookie mode on its own: the endpoint reads an HttpOnly session cookie.
    for (const name of PRESET_OPTIONS) {
      if (name !== "cookie" && legacy[name] !== undefined) invalid("legacy.preset", "set when legacy." + name + " is given", preset);
    }
    const cookie = cookieMode(legacy.cookie);
    if (!cookie) invalid("legacy.cookie", 'true or { indicator: "<cookie name>" } (or a legacy.preset)', legacy.cookie);
    return { preset: { preset: "cookie", cookie } };
  }
  if (typeof preset !== "string" || !Object.hasOwn(PRESETS, preset)) {
    invalid("legacy.preset", `one of ${Object.keys(PRESETS).map((name) => JSON.stringify(name)).join(", ")}`, preset);
  }
  const allowed = PRESETS[preset];
  for (const name of PRESET_OPTIONS) {
    if (name !== "preset" && !SHARED.includes(name) && !allowed.includes(name) && legacy[name] !== undefined) {
      const known = [...allowed, ...SHARED].join(", ");
      throw new MigrateError(MigrateError.ERR_INVALID_OPTION, `options.legacy.${name} is not an option of the ${JSON.stringify(preset)} preset (its options: ${known})`, {
        option: `legacy.${name}`,
      });
    }
  }
  const source = { preset };
  for (const name of ["clientId", "scope", "apiKey", "appName", "authority", "prefix", "storageKey"]) {
    if (legacy[name] !== undefined) source[name] = text(legacy[name], `legacy.${name}`);
  }
  if (preset === "auth0-spa" && legacy.audience !== undefined) source.audience = legacy.audience;
  if (preset === "msal" && legacy.audience !== undefined) source.audience = legacy.audience;
  if (preset === "supabase") {
    if (legacy.url !== undefined && legacy.storageKey !== undefined) invalid("legacy.storageKey", "absent when legacy.url is given (the key is made from the URL)", legacy.storageKey);
    if (legacy.url !== undefined) source.storageKey = supabaseKey(legacy.url);
  }
  if (preset === "oidc-client-ts" && source.authority !== undefined) {
    try {
      new URL(source.authority);
    } catch {
      invalid("legacy.authority", "the authority URL given to oidc-client-ts", legacy.authority);
    }
  }
  if (legacy.bearer !== undefined) {
    if (legacy.bearer !== "access_token" && legacy.bearer !== "id_token") invalid("legacy.bearer", '"access_token" or "id_token"', legacy.bearer);
    source.bearer = legacy.bearer;
  }
  if (preset === "authjs") {
    if (legacy.cookie !== undefined && !cookieMode(legacy.cookie)) invalid("legacy.cookie", 'true or { indicator: "<cookie name>" }: Auth.js sessions are always read by the endpoint', legacy.cookie);
    source.cookie = cookieMode(legacy.cookie ?? true);
  } else if (legacy.cookie !== undefined) {
    const cookie = cookieMode(legacy.cookie);
    if (cookie === undefined && legacy.cookie !== false) invalid("legacy.cookie", 'true, false or { indicator: "<cookie name>" }', legacy.cookie);
    if (cookie) source.cookie = cookie;
  }
  return { preset: source };
}

/** `true` → `{}`; `{ indicator }` → itself; `false` → `undefined`. */
function cookieMode(cookie) {
  if (cookie === true) return {};
  if (typeof cookie === "object" && cookie !== null && !Array.isArray(cookie)) {
    for (const name of Object.keys(cookie)) {
      if (name !== "indicator") {
        throw new MigrateError(MigrateError.ERR_INVALID_OPTION, `options.legacy.cookie.${name} is not an option (known: indicator)`, { option: `legacy.cookie.${name}` });
      }
    }
    if (cookie.indicator === undefined) return {};
    return { indicator: text(cookie.indicator, "legacy.cookie.indicator") };
  }
  return undefined;
}

/** supabase-js's default `storageKey`, from the first label of the project URL's host (src/core/presets/supabase.rs). */
function supabaseKey(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    invalid("legacy.url", 'the Supabase project URL, like "https://abcd.supabase.co"', url);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") invalid("legacy.url", 'the Supabase project URL, like "https://abcd.supabase.co"', url);
  const [before, after] = SUPABASE_DEFAULT_KEY;
  return before + parsed.hostname.split(".")[0] + after;
}

function text(value, option) {
  if (typeof value !== "string" || value.trim() === "") invalid(option, "a non-empty string", value);
  return value;
}

function invalid(option, expected, got) {
  throw new MigrateError(MigrateError.ERR_INVALID_OPTION, `options.${option} must be ${expected}; got ${describe(got)}`, { option });
}

function describe(value) {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  return String(value);
}
