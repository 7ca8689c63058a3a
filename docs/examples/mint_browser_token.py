"""Mint a browser token for jira-search (docs/api.md, "Browser tokens"): standard library only.

Usage: SIGNING_SECRET=jss_... python3 mint_browser_token.py KEY_ID [LIFETIME_SECONDS [INTEGRATION_ID ...]]
Prints the token. The secret comes from the environment, never the command line.
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint_browser_token(key_id, secret, lifetime_seconds=600, integrations=None, now=None):
    """A token for the org of signing key `key_id`, valid `lifetime_seconds` (at most 3600),
    for every integration of the org or only those listed."""
    now = int(time.time()) if now is None else now
    header = {"alg": "HS256", "typ": "JWT", "kid": key_id}
    claims = {"iat": now, "exp": now + lifetime_seconds}
    if integrations:
        claims["integrations"] = [int(i) for i in integrations]
    compact = lambda obj: json.dumps(obj, separators=(",", ":")).encode("utf-8")
    signing_input = b64url(compact(header)) + "." + b64url(compact(claims))
    # The HMAC key is the secret exactly as handed out, "jss_" included, as UTF-8 bytes.
    signature = hmac.new(
        secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256
    ).digest()
    return signing_input + "." + b64url(signature)


if __name__ == "__main__":
    secret = os.environ.get("SIGNING_SECRET")
    if len(sys.argv) < 2 or not secret:
        sys.exit(__doc__.strip().splitlines()[2])
    lifetime = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    print(mint_browser_token(sys.argv[1], secret, lifetime, sys.argv[3:]))
