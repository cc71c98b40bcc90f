// The package imported by path, as a page without a bundler or an import map would.
import { migrateSession } from "/pkg/src/index.js";

window.run = (options) => migrateSession(options);
