// Mint a browser token for jira-search (docs/api.md, "Browser tokens"): node:crypto only.
//
// Usage: SIGNING_SECRET=jss_... node mint_browser_token.mjs KEY_ID [LIFETIME_SECONDS [INTEGRATION_ID ...]]
// Prints the token. The secret comes from the environment, never the command line.

import { createHmac } from "node:crypto";
import { pathToFileURL } from "node:url";

// base64url without padding (RFC 7515).
const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

// A token for the org of signing key `keyId`, valid `lifetimeSeconds` (at most 3600), for
// every integration of the org or only those listed.
export function mintBrowserToken(keyId, secret, { lifetimeSeconds = 600, integrations, now } = {}) {
  now = now ?? Math.floor(Date.now() / 1000);
  const header = { alg: "HS256", typ: "JWT", kid: keyId };
  const claims = { iat: now, exp: now + lifetimeSeconds };
  if (integrations && integrations.length > 0) {
    claims.integrations = integrations.map(Number);
  }
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  // The HMAC key is the secret exactly as handed out, "jss_" included, as UTF-8 bytes.
  const signature = createHmac("sha256", Buffer.from(secret, "utf8")).update(signingInput).digest();
  return `${signingInput}.${b64url(signature)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [keyId, lifetime, ...integrations] = process.argv.slice(2);
  const secret = process.env.SIGNING_SECRET;
  if (!keyId || !secret) {
    console.error("usage: SIGNING_SECRET=jss_... node mint_browser_token.mjs KEY_ID [LIFETIME_SECONDS [INTEGRATION_ID ...]]");
    process.exit(1);
  }
  const lifetimeSeconds = lifetime === undefined ? 600 : Number.parseInt(lifetime, 10);
  console.log(mintBrowserToken(keyId, secret, { lifetimeSeconds, integrations }));
}
