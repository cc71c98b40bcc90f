// The smallest app: the package imported by name, as any bundled SPA does.
import { migrateSession } from "authgear-migrate";

window.runMigration = (options) => migrateSession(options);
window.appReady = true;
