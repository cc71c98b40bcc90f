// The one key maker. Authgear's names mirror `_KeyMaker` in the Authgear JS SDK
// (packages/authgear-core/src/storage.ts): `authgear_<container name>_<what>`.

/**
 * @param {string} name the Authgear container name
 * @param {unknown} [legacySource] the normalised legacy source, which `source` identifies
 */
export function keysFor(name, legacySource) {
  return {
    // What the engine records with "no legacy session found here", so the fast path trusts
    // that record only for the same source configuration.
    source: fnv1a(JSON.stringify(legacySource ?? null)),
    refreshToken: `authgear_${name}_refreshToken`,
    idToken: `authgear_${name}_idToken`,
    state: `authgear-migrate_${name}_state`,
    sample: `authgear-migrate_${name}_sample`,
    lock: `authgear-migrate:${name}`,
  };
}

/** FNV-1a, 32 bits, hex: short and stable; it identifies, it does not protect. */
function fnv1a(text) {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}
