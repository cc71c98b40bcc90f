// The migration a developer would write from Authgear's zero-downtime migration guide, for the
// benchmarks: read the legacy access token from localStorage, decode it with `jose` to skip an
// expired one and find the login ID, POST both to the migration endpoint (the guide's Express
// endpoint, bench/express-endpoint/), save the refresh token of the createSession payload where
// `@authgear/web` reads it, remove the legacy session.
//
// Written plainly on purpose, as the guide implies: no lock between tabs, no retry or backoff,
// no check of the tokens that come back, no read-back, no record of the attempt.
import { decodeJwt } from "jose";

/**
 * @param {{ endpoint: string, legacyKey?: string, name?: string }} options
 * @returns {Promise<"migrated" | "already-migrated" | "no-legacy-session" | "expired" | "failed">}
 */
export async function migrateLegacySession({ endpoint, legacyKey = "legacy_session", name = "default" }) {
  const refreshTokenKey = `authgear_${name}_refreshToken`;
  if (localStorage.getItem(refreshTokenKey)) return "already-migrated";

  const stored = localStorage.getItem(legacyKey);
  if (!stored) return "no-legacy-session";
  let accessToken;
  try {
    accessToken = JSON.parse(stored).access_token;
  } catch {
    return "no-legacy-session";
  }
  if (typeof accessToken !== "string") return "no-legacy-session";

  let claims;
  try {
    claims = decodeJwt(accessToken);
  } catch {
    return "no-legacy-session";
  }
  if (typeof claims.exp === "number" && claims.exp * 1000 <= Date.now()) return "expired";

  let session;
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ loginID: claims.email, accessToken }),
    });
    if (!response.ok) return "failed";
    session = await response.json();
  } catch {
    return "failed";
  }
  if (typeof session?.refreshToken !== "string") return "failed";

  localStorage.setItem(refreshTokenKey, session.refreshToken);
  localStorage.removeItem(legacyKey);
  return "migrated";
}
