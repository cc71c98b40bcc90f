/**
 * The one error class of this package. Branch on `code`, never on the message.
 */
export class MigrateError extends Error {
  /** An option is missing or has the wrong shape; `option` names it. */
  static ERR_INVALID_OPTION = "ERR_INVALID_OPTION";
  /** Called where there is no browser (server rendering): call it from client code. */
  static ERR_NOT_IN_BROWSER = "ERR_NOT_IN_BROWSER";
  /** A storage named in the options is not there (no Capacitor plugin, no React Native bridge). */
  static ERR_ADAPTER_UNAVAILABLE = "ERR_ADAPTER_UNAVAILABLE";
  /**
   * The engine's .wasm could not be fetched or compiled (a wrong `wasmURL`, the network, a Content
   * Security Policy without 'wasm-unsafe-eval'); `cause` says why. From `preloadEngine` and
   * `inspectLegacySession`: `migrateSession` answers `deferred` (`engine_unavailable`) instead.
   */
  static ERR_ENGINE_UNAVAILABLE = "ERR_ENGINE_UNAVAILABLE";
  /** The package's JS and Wasm files disagree: reinstall the package. */
  static ERR_ENGINE_OPTIONS = "ERR_ENGINE_OPTIONS";
  /** A defect in the engine; please report it. */
  static ERR_ENGINE_INTERNAL = "ERR_ENGINE_INTERNAL";

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
