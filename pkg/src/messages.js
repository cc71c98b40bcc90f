// What each refused option was expected to be (the rules check.js names), in words. Imported
// only when an option is refused, so the fast path never downloads it.

const COOKIE = 'true or { indicator: "<cookie name>" }';
const ONE_SOURCE = "(one source at a time)";

/** Per rule (an option's own rule is named after the option): what it must be, from the rule's detail. */
const EXPECTED = {
  object: "an object",
  text: "a non-empty string",
  oneOf: (allowed) => `one of ${allowed.map((name) => JSON.stringify(name)).join(", ")}`,
  function: "a function",
  boolean: "true or false",
  enabled: "true, false, or a function returning (a promise of) one",
  sample: "a number from 0 to 1",
  integer: ([min, max]) => `an integer from ${min} to ${max}`,
  url: (relative) => `an https URL${relative ? ", a path on this page's origin," : ""} or an http://localhost / 127.0.0.1 URL (development)`,
  userinfo: (relative) => `${EXPECTED.url(relative)}, without user or password`,
  origin: "an origin, like https://myapp.authgear.cloud, with no path",
  "authgear.issuer": "an origin or a non-empty array of origins",
  adapter: (method) => `a storage adapter with get, set and remove methods (${method} is missing)`,
  "exchange.deviceInfo": "a plain object that JSON can write",
  legacy: "an object with a `preset`, `cookie`, `storage` and `key`, or a `read` function",
  "legacy.pointer": (kinds) => `a JSON pointer, or an object with at least one of ${kinds.join(", ")}`,
  pointer: 'an RFC 6901 JSON pointer such as "/access_token" ("" for the whole value)',
  withRead: `absent when legacy.read is given ${ONE_SOURCE}`,
  withoutRead: "absent unless legacy.read is given",
  withPreset: `absent when legacy.preset or legacy.cookie is given ${ONE_SOURCE}`,
  withoutPreset: "absent unless legacy.preset names the legacy SDK",
  "legacy.preset": (name) => `set when legacy.${name} is given`,
  cookieAlone: `${COOKIE} (or a legacy.preset)`,
  cookieAuthjs: `${COOKIE}: Auth.js sessions are always read by the endpoint`,
  cookie: COOKIE.replace("true", "true, false"),
  "legacy.authority": "the authority URL given to oidc-client-ts",
  "legacy.url": 'the Supabase project URL, like "https://abcd.supabase.co"',
  "legacy.storageKey": "absent when legacy.url is given (the key is made from the URL)",
};

/** Rules whose sentence is not "must be …; got …". */
const SENTENCES = {
  unknown: (known) => `is not an option (known: ${known.join(", ")})`,
  presetOption: ([preset, known]) => `is not an option of the ${JSON.stringify(preset)} preset (its options: ${known.join(", ")})`,
  "authgear.sessionType": () =>
    'is "cookie": an Authgear cookie session lives in an HttpOnly cookie only Authgear\'s own sign-in sets, and cannot be created from an exchange; use sessionType "refresh_token" in the Authgear SDK (and here), or keep the legacy sign-in until the user signs in with Authgear',
};

/** The message for `option` refused by `rule`: "options.<option> …" ("options …" at the top). */
export function says(option, rule, got, detail) {
  const name = option === "options" ? option : `options.${option}`;
  if (SENTENCES[rule]) return `${name} ${SENTENCES[rule](detail)}`;
  const expected = EXPECTED[rule];
  return `${name} must be ${typeof expected === "function" ? expected(detail) : expected}; got ${describe(got)}`;
}

function describe(value) {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return "an array";
  return value === null || typeof value !== "object" ? String(value) : "an object";
}
