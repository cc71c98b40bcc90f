// An app written against the published types: every option, every outcome, every event.
// `tsc --noEmit --strict` must accept it; the `@ts-expect-error` lines must stay errors.
import {
  MigrateError,
  capacitorPreferences,
  capacitorStorage,
  migrateSession,
  onMigrated,
  preloadEngine,
  reactNativeStorage,
  type MigrateEvent,
  type Outcome,
  type StorageAdapter,
} from "authgear-migrate";
import { createMigrationBridge } from "authgear-migrate/react-native";

const vault: StorageAdapter = {
  name: "vault",
  get: async (key) => sessionStorage.getItem(key),
  set: (key, value) => sessionStorage.setItem(key, value),
  remove: (key) => sessionStorage.removeItem(key),
  keys: () => Object.keys(sessionStorage),
};

function log(event: MigrateEvent): void {
  switch (event.type) {
    case "answer":
      console.log(event.httpStatus, event.result, event.reason, event.durationMs, event.elapsedMs);
      break;
    case "lock":
      console.log(event.mechanism, event.waitedMs);
      break;
    default:
      console.log(event.type, event.elapsedMs);
  }
}

export async function start(): Promise<string> {
  await preloadEngine({ wasmURL: new URL("https://cdn.example.com/authgear_migrate_bg.wasm") });
  const outcome: Outcome = await migrateSession({
    authgear: { endpoint: "https://myapp.authgear.cloud", clientID: "client", name: "default", storage: "auto" },
    exchange: { url: "/api/authgear-migrate", timeoutMs: 10_000, budgetMs: 20_000, credentials: "include", deviceInfo: { platform: "web" } },
    legacy: { storage: "localStorage", key: "legacy_session", pointer: { accessToken: "/access_token", refreshToken: "/refresh_token" }, issuer: "https://legacy.example", audience: "api" },
    cleanup: "keep",
    clockTolerance: 30,
    dryRun: false,
    enabled: async () => true,
    sample: 0.5,
    wasmURL: "https://cdn.example.com/authgear_migrate_bg.wasm",
    onEvent: log,
    debug: false,
  });
  await migrateSession({
    authgear: { endpoint: "https://myapp.authgear.cloud", clientID: "client", storage: capacitorStorage() },
    exchange: { url: "https://api.example.com/migrate" },
    legacy: {
      read: async () => ({ accessToken: "a", refreshToken: "r" }),
      clear: () => {},
      write: async (tokens) => void tokens.refreshToken,
    },
  });
  await migrateSession({
    authgear: { endpoint: "https://myapp.authgear.cloud", clientID: "client", storage: reactNativeStorage({ timeoutMs: 3000 }) },
    exchange: { url: "https://api.example.com/migrate" },
    legacy: { storage: capacitorPreferences({ plugin: "Preferences" }), key: "sb-abcd-auth-token" },
  });
  await migrateSession({
    authgear: { endpoint: "https://myapp.authgear.cloud", clientID: "client", storage: vault },
    exchange: { url: "https://api.example.com/migrate" },
    legacy: { storage: "cookie", key: "session" },
  });
  // @ts-expect-error: cleanup takes "remove" or "keep"
  void migrateSession({ authgear: { endpoint: "e", clientID: "c" }, exchange: { url: "u" }, legacy: { read: () => null }, cleanup: "delete" });

  const stop = onMigrated(({ name }) => console.log(`migrated in another tab: ${name}`), { name: "default" });
  stop();

  try {
    await migrateSession({ authgear: { endpoint: "", clientID: "" }, exchange: { url: "" }, legacy: { read: () => null } });
  } catch (error) {
    if (error instanceof MigrateError && error.code === MigrateError.ERR_INVALID_OPTION) console.log(error.option);
  }
  return describe(outcome);
}

/** Exhaustive: a new status without a case here fails to compile. */
function describe(outcome: Outcome): string {
  switch (outcome.status) {
    case "migrated":
      return `${outcome.credential} → ${outcome.storage}`;
    case "already-migrated":
      return outcome.storage;
    case "no-legacy-session":
      return "sign in";
    case "rejected":
      return `${outcome.reason}${outcome.description ?? ""}`;
    case "deferred":
      return new Date(outcome.retryAt).toISOString() + outcome.reason;
    case "dry-run":
      return outcome.credential;
    case "skipped":
      return outcome.reason;
    default: {
      const never: never = outcome;
      return never;
    }
  }
}

// The native side, in the React Native app.
const onMessage = createMigrationBridge({
  tokenStorage: {
    getRefreshToken: async () => null,
    setRefreshToken: async () => {},
    delRefreshToken: async () => {},
  },
  webViewRef: { current: null },
  allowedOrigins: ["https://app.example.com"],
});
export const handled: boolean = onMessage({ nativeEvent: { data: "{}", url: "https://app.example.com/" } });
