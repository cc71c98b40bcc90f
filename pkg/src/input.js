// What completes the engine's input, on the migration path only: imported beside the engine,
// never on the fast path. It imports nothing, so that nothing of the entry moves into a chunk
// the two would share.

/** The normalised options as the engine takes them: `exchange.deviceInfo`, JSON text until here, as base64url. */
export function engineInput(options) {
  const { exchange } = options;
  if (exchange.deviceInfo === null) return options;
  let binary = "";
  for (const byte of new TextEncoder().encode(exchange.deviceInfo)) binary += String.fromCharCode(byte);
  const deviceInfo = btoa(binary).replace(/=+$/, "").replace(/[+/]/g, (char) => (char === "+" ? "-" : "_"));
  return { ...options, exchange: { ...exchange, deviceInfo } };
}
