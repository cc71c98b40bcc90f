/**
 * The one error class of this package. Branch on `code`, never on the message.
 */
export class MigrateError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{ option?: string, cause?: unknown }} [details]
   */
  constructor(code, message, details = {}) {
    // Error reads `cause` from its options, and only when it is there.
    super(`authgear-migrate: ${message}`, details);
    this.name = "MigrateError";
    this.code = code;
    if (details.option !== undefined) this.option = details.option;
  }
}

// The codes, each a static named as itself (MigrateError.ERR_INVALID_OPTION): what each means is
// documented in index.d.ts.
for (const code of ["ERR_INVALID_OPTION", "ERR_NOT_IN_BROWSER", "ERR_ADAPTER_UNAVAILABLE", "ERR_ENGINE_UNAVAILABLE", "ERR_ENGINE_OPTIONS", "ERR_ENGINE_INTERNAL"]) {
  MigrateError[code] = code;
}
