// The key maker: every storage key and channel name of a container, from the templates the
// engine defines (src/core/keys.rs, generated into facts.js).

import { KEYS } from "./facts.js";

/**
 * @param {string} name the Authgear container name
 * @param {unknown} [legacySource] the normalised legacy source, which `source` identifies
 */
export function keysFor(name, legacySource) {
  const keys = {
    // What the engine records with "no legacy session found here", so the fast path trusts
    // that record only for the same source configuration.
    source: fnv1a(JSON.stringify(legacySource ?? null)),
  };
  for (const [what, [before, after]] of Object.entries(KEYS)) keys[what] = before + name + after;
  return keys;
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
