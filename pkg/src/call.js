// Calls into the loaded engine. Imported beside the engine, never on the fast path.

import { MigrateError } from "./errors.js";

/**
 * `engine[method](options, hooks)`, with what it throws re-thrown as a MigrateError of the same
 * code. `options.exchange.deviceInfo`, JSON text until here, goes to the engine as base64url.
 */
export async function call(engine, method, options, hooks) {
  const { exchange } = options;
  const input = exchange.deviceInfo === null ? options : { ...options, exchange: { ...exchange, deviceInfo: base64url(exchange.deviceInfo) } };
  try {
    return await engine[method](input, hooks);
  } catch (error) {
    if (error instanceof MigrateError) throw error;
    const code = typeof error?.code === "string" ? error.code : MigrateError.ERR_ENGINE_INTERNAL;
    throw new MigrateError(code, String(error?.message ?? error).replace(/^authgear-migrate: /, ""), { cause: error });
  }
}

function base64url(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, "").replace(/[+/]/g, (char) => (char === "+" ? "-" : "_"));
}
