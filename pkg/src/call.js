// Calls into the loaded engine. Imported beside the engine, never on the fast path.

import { MigrateError } from "./errors.js";

/** `engine[method](options, hooks)`, with what it throws re-thrown as a MigrateError of the same code. */
export async function call(engine, method, options, hooks) {
  try {
    return await engine[method](options, hooks);
  } catch (error) {
    if (error instanceof MigrateError) throw error;
    const code = typeof error?.code === "string" ? error.code : MigrateError.ERR_ENGINE_INTERNAL;
    throw new MigrateError(code, String(error?.message ?? error).replace(/^authgear-migrate: /, ""), { cause: error });
  }
}
