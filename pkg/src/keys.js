// The one key maker. Authgear's names mirror `_KeyMaker` in the Authgear JS SDK
// (packages/authgear-core/src/storage.ts): `authgear_<container name>_<what>`.

/**
 * @param {string} name the Authgear container name
 */
export function keysFor(name) {
  return {
    refreshToken: `authgear_${name}_refreshToken`,
    idToken: `authgear_${name}_idToken`,
    state: `authgear-migrate_${name}_state`,
    sample: `authgear-migrate_${name}_sample`,
    lock: `authgear-migrate:${name}`,
  };
}
