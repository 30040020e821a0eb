"""Verifies a Locksmith credential with PyJWT, as a Python resource server would.

Usage: pyjwt_verify.py JWKS_URI ISSUER AUDIENCE < token
Prints {"ok": true, "claims": {...}} or {"ok": false, "error": "<exception class>"}.
The algorithm is the one of the key found by kid (RFC 8725 §3.1), never the header's.
"""

import json
import sys

import jwt


def main() -> None:
    jwks_uri, issuer, audience = sys.argv[1:4]
    token = sys.stdin.read().strip()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        jwk = next((k for k in jwt.PyJWKClient(jwks_uri).fetch_data()["keys"] if k.get("kid") == kid), None)
        if jwk is None:
            raise jwt.PyJWKClientError("no key of that kid")
        claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=[jwk["alg"]], audience=audience, issuer=issuer)
        print(json.dumps({"ok": True, "alg": jwk["alg"], "claims": claims}))
    except jwt.PyJWTError as error:
        print(json.dumps({"ok": False, "error": type(error).__name__}))


if __name__ == "__main__":
    main()
