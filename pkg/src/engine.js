// Loads the Wasm engine once, on first need. The glue is imported dynamically so that bundlers
// put it, and the .wasm it fetches, in a chunk of its own that the fast path never touches.

let loading;

/** @returns {Promise<{ migrate(options: object, hooks: object): Promise<object> }>} */
export function loadEngine() {
  loading ??= import("../dist/wasm/authgear_migrate.js")
    .then(async (glue) => {
      // Fetches authgear_migrate_bg.wasm beside the glue; compiles while streaming when the
      // server sends `application/wasm`.
      await glue.default();
      return glue;
    })
    .catch((error) => {
      loading = undefined;
      throw error;
    });
  return loading;
}
