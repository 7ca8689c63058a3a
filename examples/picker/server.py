#!/usr/bin/env python3
"""The picker page's backend: what a product's own server does for its typeahead.

It serves index.html and, at GET /token, a fresh browser token for one org (a JWT, HS256,
minted here with the org's signing secret, without calling jira-search), with what the page
needs to call jira-search's search routes straight from the browser. Python 3 standard library
only. docs/api.md ("Embedding a picker", "Browser tokens") explains the pattern.

Settings, each a flag or an environment variable (the flag wins):

  --service URL          PICKER_SERVICE_URL      jira-search's base URL, e.g. http://127.0.0.1:8080
  --org ORG              PICKER_ORG              the org (slug or id) the tokens are for
  --key-file PATH        PICKER_KEY_FILE         the signing key: the admin API's JSON answer to
                                                 POST /api/v1/orgs/{org}/signing-keys ("id" and
                                                 "secret"), or the bare secret on one line with
                                                 --key-id. Read at every mint, so rewriting it
                                                 rotates the key. Never the secret itself on
                                                 the command line.
  --key-id ID            PICKER_KEY_ID           the signing key id (jsk_...), if the file lacks it
  --server-integration N PICKER_SERVER_INTEGRATION  a Jira Server integration (assignee picker)
  --project ID           PICKER_PROJECT          a project id of that Jira (assignable users)
  --cloud-integration N  PICKER_CLOUD_INTEGRATION   a Jira Cloud integration (issue and field pickers)
  --field FIELD          PICKER_FIELD            the custom field picker's field (customfield_10100)
  --port PORT            PICKER_PORT             where to listen on 127.0.0.1 (8765; 0: any free port)

It prints one line on standard output once listening:

  picker: listening on http://127.0.0.1:PORT/

and logs each request's method, path and status on standard error: never a token or the
secret.
"""

import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import sys
import time

LIFETIME_SECONDS = 600
HERE = os.path.dirname(os.path.abspath(__file__))


def b64url(data: bytes) -> str:
    """base64url without padding, as JWTs write every part."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint(key_id: str, secret: str, lifetime: int = LIFETIME_SECONDS, integrations=None, now=None) -> str:
    """A browser token: header and claims as compact JSON, base64url, joined by a dot, then the
    HMAC-SHA256 of that text keyed with the secret's UTF-8 bytes (docs/api.md, "Browser tokens")."""
    now = int(time.time()) if now is None else now
    header = {"alg": "HS256", "typ": "JWT", "kid": key_id}
    claims = {"iat": now, "exp": now + lifetime}
    if integrations:
        claims["integrations"] = [int(i) for i in integrations]
    signing_input = ".".join(
        b64url(json.dumps(part, separators=(",", ":")).encode("utf-8")) for part in (header, claims)
    )
    signature = hmac.new(secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def read_key(path: str, key_id: str):
    """(key id, secret) from the key file: the admin API's JSON answer, or the bare secret."""
    with open(path, encoding="utf-8") as f:
        text = f.read().strip()
    if text.startswith("{"):
        data = json.loads(text)
        return key_id or data["id"], data["secret"]
    if not key_id:
        raise ValueError("the key file holds a bare secret: give --key-id (PICKER_KEY_ID) too")
    return key_id, text


def settings(argv):
    env = os.environ.get
    p = argparse.ArgumentParser(description="The picker page's backend (examples/picker).")
    p.add_argument("--service", default=env("PICKER_SERVICE_URL", "http://127.0.0.1:8080"))
    p.add_argument("--org", default=env("PICKER_ORG"))
    p.add_argument("--key-file", default=env("PICKER_KEY_FILE"))
    p.add_argument("--key-id", default=env("PICKER_KEY_ID", ""))
    p.add_argument("--server-integration", type=int, default=env("PICKER_SERVER_INTEGRATION"))
    p.add_argument("--project", default=env("PICKER_PROJECT", ""))
    p.add_argument("--cloud-integration", type=int, default=env("PICKER_CLOUD_INTEGRATION"))
    p.add_argument("--field", default=env("PICKER_FIELD", "customfield_10100"))
    p.add_argument("--port", type=int, default=int(env("PICKER_PORT", "8765")))
    args = p.parse_args(argv)
    for name in ("org", "key_file", "server_integration", "cloud_integration"):
        if getattr(args, name) in (None, ""):
            flag = "--" + name.replace("_", "-")
            p.error(f"{flag} (or PICKER_{name.upper()}) is required")
    args.service = args.service.rstrip("/")
    return args


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "picker-example"
    config = None  # set by main()

    def answer(self, status, content_type, body: bytes, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        c = self.config
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html"):
            with open(os.path.join(HERE, "index.html"), "rb") as f:
                page = f.read()
            # The page talks to its own backend and to jira-search, nothing else.
            policy = (
                "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                f"connect-src 'self' {c.service}; base-uri 'none'; frame-ancestors 'none'"
            )
            self.answer(200, "text/html; charset=utf-8", page, [("Content-Security-Policy", policy)])
        elif path == "/token":
            try:
                key_id, secret = read_key(c.key_file, c.key_id)
            except (OSError, ValueError, KeyError) as e:
                # Names the file and the problem, never its content.
                sys.stderr.write(f"picker: cannot read the signing key from {c.key_file}: {type(e).__name__}\n")
                body = json.dumps({"detail": "the backend cannot read its signing key"}).encode()
                self.answer(503, "application/json", body)
                return
            now = int(time.time())
            integrations = [c.server_integration, c.cloud_integration]
            body = {
                "token": mint(key_id, secret, integrations=integrations, now=now),
                "expires_at": now + LIFETIME_SECONDS,
                "service": c.service,
                "org": c.org,
                "server_integration": c.server_integration,
                "cloud_integration": c.cloud_integration,
                "project": c.project,
                "field": c.field,
            }
            self.answer(200, "application/json", json.dumps(body).encode())
        elif path == "/favicon.ico":
            self.answer(204, "image/x-icon", b"")
        else:
            self.answer(404, "application/json", b'{"detail":"Not found"}')

    def log_message(self, format, *args):
        pass  # the default would print the request line; log_request below prints less

    def log_request(self, code="-", size="-"):
        path = self.path.split("?", 1)[0]
        sys.stderr.write(f"picker: {self.command} {path} {code}\n")


def main(argv):
    config = settings(argv)
    Handler.config = config
    server = http.server.ThreadingHTTPServer(("127.0.0.1", config.port), Handler)
    port = server.server_address[1]
    print(f"picker: listening on http://127.0.0.1:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
