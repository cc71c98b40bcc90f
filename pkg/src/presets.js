// `legacy: { preset: "<sdk>", …options }`: validates a preset's options, with errors that name
// the option, and normalises them into the engine's `SourceSpec::Preset` (src/core/presets/).
// Where each SDK keeps its session is the engine's business; this file only knows which
// options each preset takes.

import { absent, invalid, isPlainObject, object, oneOf, parseURL, text } from "./check.js";
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

/** The options of some preset; all but `url` are passed on as they are. */
const OWN = [...new Set(Object.values(PRESETS).flat())];

/** Every option name a preset can take: `normalizeLegacy` accepts them on `legacy`. */
export const PRESET_OPTIONS = ["preset", ...OWN, "bearer", "cookie"];

/**
 * The engine's source for `legacy.preset` (or `legacy.cookie` alone: cookie mode), or
 * `undefined` when `legacy` names neither. Split so that an app with another kind of source never
 * runs, so never compiles, the preset checks: a page's first call pays for what it runs.
 * @param {Record<string, unknown>} legacy
 */
export function normalizePreset(legacy) {
  if (legacy.preset === undefined && legacy.cookie === undefined) {
    const stray = PRESET_OPTIONS.find((name) => legacy[name] !== undefined);
    if (stray) invalid(`legacy.${stray}`, "withoutPreset", legacy[stray]);
    return undefined;
  }
  return presetSource(legacy);
}

function presetSource(legacy) {
  const { preset, cookie } = legacy;
  const given = PRESET_OPTIONS.filter((name) => legacy[name] !== undefined && name !== "preset");
  absent(legacy, ["storage", "key", "pointer", "read", "clear", "write"], "withPreset");
  if (preset === undefined) {
    // Cookie mode on its own: the endpoint reads an HttpOnly session cookie.
    const stray = given.find((name) => name !== "cookie");
    if (stray) invalid("legacy.preset", "legacy.preset", preset, stray);
    return { preset: { preset: "cookie", cookie: cookieMode(cookie, "cookieAlone") } };
  }
  const allowed = [...PRESETS[oneOf(preset, "legacy.preset", Object.keys(PRESETS))], ...SHARED];
  const stray = given.find((name) => !allowed.includes(name));
  if (stray) invalid(`legacy.${stray}`, "presetOption", legacy[stray], [preset, allowed]);
  const source = { preset };
  for (const name of OWN) {
    if (name !== "url" && legacy[name] !== undefined) source[name] = text(legacy[name], `legacy.${name}`);
  }
  if ((preset === "auth0-spa" || preset === "msal") && legacy.audience !== undefined) source.audience = legacy.audience;
  if (legacy.url !== undefined) {
    if (legacy.storageKey !== undefined) invalid("legacy.storageKey", "legacy.storageKey", legacy.storageKey);
    source.storageKey = supabaseKey(legacy.url);
  }
  if (source.authority !== undefined) {
    if (!parseURL(source.authority)) invalid("legacy.authority", "legacy.authority", legacy.authority);
    // Keys are looked for under either spelling of its trailing slash (src/core/presets/oidc.rs),
    // filled in from this one.
    source.authority = source.authority.replace(/\/+$/, "");
  }
  if (legacy.bearer !== undefined) source.bearer = oneOf(legacy.bearer, "legacy.bearer", ["access_token", "id_token"]);
  if (preset === "authjs") source.cookie = cookieMode(cookie ?? true, "cookieAuthjs");
  else if (cookie !== undefined && cookie !== false) source.cookie = cookieMode(cookie, "cookie");
  return { preset: source };
}

/** `true` → `{}`; `{ indicator }` → itself; anything else is refused by `rule`. */
function cookieMode(cookie, rule) {
  if (cookie === true) return {};
  if (!isPlainObject(cookie)) invalid("legacy.cookie", rule, cookie);
  object(cookie, "legacy.cookie", ["indicator"]);
  return cookie.indicator === undefined ? {} : { indicator: text(cookie.indicator, "legacy.cookie.indicator") };
}

/** supabase-js's default `storageKey`, from the first label of the project URL's host (src/core/presets/supabase.rs). */
function supabaseKey(url) {
  const parsed = parseURL(url);
  if (!/^https?:$/.test(parsed?.protocol)) invalid("legacy.url", "legacy.url", url);
  const [before, after] = SUPABASE_DEFAULT_KEY;
  return before + parsed.hostname.split(".")[0] + after;
}
