export { migrateSession } from "./migrate.js";
export { MigrateError } from "./errors.js";
