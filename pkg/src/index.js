export { migrateSession } from "./migrate.js";
export { inspectLegacySession } from "./inspect.js";
export { preloadEngine } from "./engine.js";
export { onMigrated } from "./tabs.js";
export { capacitorPreferences, capacitorStorage } from "./adapters/capacitor.js";
export { reactNativeStorage } from "./adapters/react-native.js";
export { MigrateError } from "./errors.js";
