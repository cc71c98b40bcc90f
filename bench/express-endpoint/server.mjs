// The migration endpoint of Authgear's zero-downtime migration guide (docs: Migration >
// Zero-downtime migration), re-created from the guide's description for the benchmarks: an
// Express.js app that verifies the legacy access token, finds the Authgear user with the Admin
// API's `getUserByLoginID`, creates a session with `createSession`, and returns its payload.
//
// What the guide shows, kept: Express, axios for the two GraphQL calls, an admin JWT generated
// for each call as its "Authenticate Admin API" Node.js sample does (RS256, `kid`, `typ: JWT`,
// `aud` = project ID, 5 minutes), the createSession payload (`accessToken`, `expiresIn`,
// `refreshToken`) returned as it is. What the guide leaves to the reader, done the usual way:
// the legacy token is verified with `jose` against the legacy JWKS (cached by
// `createRemoteJWKSet`), the login ID is the verified `email` claim, the private key is read once
// at start (the sample reads the file on each request), values go in GraphQL variables rather
// than being pasted into the query text, and `cors` lets the app's origin call it.
// Not there, as in the guide: replay protection, idempotency, rate limits, retries, timeouts.
//
// Configuration (environment): PORT, AUTHGEAR_ENDPOINT, AUTHGEAR_PROJECT_ID,
// AUTHGEAR_ADMIN_KEY_ID, AUTHGEAR_ADMIN_KEY_FILE, AUTHGEAR_CLIENT_ID, LEGACY_JWKS_URL,
// LEGACY_ISSUER, LEGACY_AUDIENCE, APP_ORIGIN.
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import axios from "axios";
import cors from "cors";
import express from "express";
import { SignJWT, createRemoteJWKSet, jwtVerify } from "jose";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const appUrl = env("AUTHGEAR_ENDPOINT");
const projectID = env("AUTHGEAR_PROJECT_ID");
const keyID = env("AUTHGEAR_ADMIN_KEY_ID");
const clientID = env("AUTHGEAR_CLIENT_ID");
// The portal's key is PKCS#1 ("BEGIN RSA PRIVATE KEY"), which jose's importPKCS8 refuses; Node's
// own reader takes it (and PKCS#8), as the guide's sample, signing with Node's crypto, does.
const privateKey = createPrivateKey(readFileSync(env("AUTHGEAR_ADMIN_KEY_FILE"), "utf8"));
const legacyJWKS = createRemoteJWKSet(new URL(env("LEGACY_JWKS_URL")));
const legacyIssuer = env("LEGACY_ISSUER");
const legacyAudience = env("LEGACY_AUDIENCE");
const admin_api_endpoint = `${appUrl}/_api/admin/graphql`;

// Counters for the bench (not part of the guide): requests by method, and where the time went
// (`adminMs`: waiting for the Admin API, the admin JWT's signing excluded).
const stats = { requests: {}, exchanges: 0, totalMs: 0, adminMs: 0 };

function adminJWT() {
  return new SignJWT({ aud: projectID })
    .setProtectedHeader({ alg: "RS256", kid: keyID, typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(privateKey);
}

async function adminAPI(query, variables) {
  const adminToken = await adminJWT();
  const started = performance.now();
  try {
    const response = await axios.post(admin_api_endpoint, { query, variables }, {
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${adminToken}` },
    });
    if (response.data.errors) throw new Error(response.data.errors[0].message);
    return response.data.data;
  } finally {
    stats.adminMs += performance.now() - started;
  }
}

const app = express();
app.use((request, _response, next) => {
  stats.requests[request.method] = (stats.requests[request.method] ?? 0) + 1;
  next();
});
app.use(cors({ origin: env("APP_ORIGIN") }));
app.use(express.json());

app.post("/migrate", async (request, response) => {
  const started = performance.now();
  try {
    const { accessToken, loginID } = request.body ?? {};
    if (typeof accessToken !== "string") return response.status(400).json({ error: "accessToken is required" });
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(accessToken, legacyJWKS, {
        issuer: legacyIssuer,
        audience: legacyAudience,
        algorithms: ["RS256"],
      }));
    } catch {
      return response.status(401).json({ error: "invalid access token" });
    }
    if (typeof claims.email !== "string" || (loginID !== undefined && loginID !== claims.email)) {
      return response.status(400).json({ error: "login ID does not match the access token" });
    }

    const getUserQuery = await adminAPI(
      `query ($loginIDValue: String!) { getUserByLoginID(loginIDKey: "email", loginIDValue: $loginIDValue) { id } }`,
      { loginIDValue: claims.email },
    );
    const userID = getUserQuery.getUserByLoginID?.id;
    if (!userID) return response.status(404).json({ error: "user not found" });

    // now create a new session
    const createSessionMutation = await adminAPI(
      `mutation ($input: CreateSessionInput!) {
        createSession(input: $input) { accessToken, expiresIn, refreshToken }
      }`,
      { input: { userID, clientID } },
    );
    stats.exchanges += 1;
    return response.json(createSessionMutation.createSession);
  } catch (error) {
    return response.status(502).json({ error: String(error?.message ?? error) });
  } finally {
    stats.totalMs += performance.now() - started;
  }
});

app.get("/healthz", (_request, response) => response.json({ status: "ok" }));
app.get("/__bench/stats", (_request, response) => response.json(stats));
app.delete("/__bench/stats", (_request, response) => {
  Object.assign(stats, { requests: {}, exchanges: 0, totalMs: 0, adminMs: 0 });
  response.status(204).end();
});

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, "127.0.0.1");
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// A parent that dies closes our stdin: go with it.
process.stdin.on("end", stop);
process.stdin.resume();
