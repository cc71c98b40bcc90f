// The key maker: every storage key and channel name of a container, from the templates the
// engine defines (src/core/keys.rs, generated into facts.js).

import { KEYS } from "./facts.js";

/** @param {string} name the Authgear container name */
export function keysFor(name) {
  const keys = {};
  for (const [what, [before, after]] of Object.entries(KEYS)) keys[what] = before + name + after;
  return keys;
}
