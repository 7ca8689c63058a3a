"""Schemathesis hooks for `make schemathesis` (named by schemathesis.toml, copied beside it by
scripts/schemathesis.sh).

docs/openapi.yaml says an OAuth 1.0a private key is `format: rsa-private-key-pem`: an RSA
private key in PEM, which no schema keyword can describe and no generated string is. Every
phase draws such a key from the file SCHEMATHESIS_RSA_KEY_FILE names (the tests' fixture), so
schema-valid requests carry a key the service accepts.
"""

import os

from hypothesis import strategies as st

import schemathesis

with open(os.environ["SCHEMATHESIS_RSA_KEY_FILE"], encoding="utf-8") as f:
    schemathesis.openapi.format("rsa-private-key-pem", st.just(f.read()))
