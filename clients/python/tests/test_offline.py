"""What needs no Locksmith: assertions, key files, the error mapping and the retry rules (against a stub)."""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Dict, List, Tuple

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from locksmith_client import (
    AuthenticationFailed,
    InvalidRequest,
    Locksmith,
    LocksmithClientError,
    PermissionDenied,
    RateLimited,
    Unavailable,
    sign_assertion,
)
from locksmith_client.errors import error_from_response


def ed25519_jwk(kid: str = "k-1") -> Dict[str, str]:
    return json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(ed25519.Ed25519PrivateKey.generate())) | {"kid": kid}


def p256_jwk(kid: str = "e-1") -> Dict[str, str]:
    return json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()))) | {"kid": kid}


class AssertionTest(unittest.TestCase):
    def verify(self, token: str, key: Dict[str, str], alg: str) -> dict:
        public = {k: v for k, v in key.items() if k != "d"}
        self.assertEqual(jwt.get_unverified_header(token)["alg"], alg)
        self.assertEqual(jwt.get_unverified_header(token)["kid"], key["kid"])
        return jwt.decode(token, jwt.PyJWK(public, algorithm=alg).key, algorithms=[alg], audience="https://locksmith.example")

    def test_an_ed25519_key_signs_eddsa_with_iss_sub_aud_a_fresh_jti_and_60_seconds(self) -> None:
        key = ed25519_jwk()
        first = self.verify(sign_assertion("agent-1", key, "https://locksmith.example"), key, "EdDSA")
        second = self.verify(sign_assertion("agent-1", key, "https://locksmith.example"), key, "EdDSA")
        self.assertEqual((first["iss"], first["sub"], first["aud"]), ("agent-1", "agent-1", "https://locksmith.example"))
        self.assertEqual(first["exp"] - first["iat"], 60)
        self.assertLessEqual(abs(first["iat"] - time.time()), 5)
        self.assertNotEqual(first["jti"], second["jti"])

    def test_a_p256_key_signs_es256(self) -> None:
        key = p256_jwk()
        self.assertEqual(self.verify(sign_assertion("agent-2", key, "https://locksmith.example"), key, "ES256")["sub"], "agent-2")

    def test_a_public_key_or_another_curve_is_refused(self) -> None:
        public = {k: v for k, v in ed25519_jwk().items() if k != "d"}
        with self.assertRaisesRegex(ValueError, "no private part"):
            sign_assertion("a", public, "x")
        with self.assertRaisesRegex(ValueError, "unsupported key"):
            sign_assertion("a", {"kty": "RSA", "d": "x"}, "x")


class Stub:
    """A local HTTP server that answers from a script of (status, headers, body), and notes the requests."""

    def __init__(self, script: List[Tuple[int, Dict[str, str], dict]]) -> None:
        self.script = list(script)
        self.requests: List[Tuple[str, str, str]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                stub.requests.append((self.command, self.path, self.headers.get("authorization", "")))
                self.rfile.read(length)
                status, headers, body = stub.script.pop(0)
                data = b"" if status == 204 else json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"content-type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET = do_DELETE = answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


ISSUED = {"credential": "tok", "jti": "j-1", "scope": "a:read", "resource": "a:1", "audience": "https://a", "expires_at": "2030-01-01T00:00:00.000Z"}
UNAVAILABLE = (503, {"Retry-After": "1"}, {"error": "temporarily_unavailable", "error_description": "Redis cannot take the write"})


class RetryTest(unittest.TestCase):
    def client(self, stub: Stub, **options: object) -> Locksmith:
        return Locksmith(stub.url, "agent-1", ed25519_jwk(), backoff=0.01, **options)  # type: ignore[arg-type]

    def test_a_503_is_retried_with_a_fresh_assertion_each_time(self) -> None:
        stub = Stub([UNAVAILABLE, UNAVAILABLE, (201, {}, ISSUED)])
        self.addCleanup(stub.close)
        credential = self.client(stub).credential("a:read", "a:1")
        self.assertEqual((credential.jti, credential.max_uses), ("j-1", None))
        self.assertEqual(len(stub.requests), 3)
        jtis = {jwt.decode(auth.split(" ")[1], options={"verify_signature": False})["jti"] for _, _, auth in stub.requests}
        self.assertEqual(len(jtis), 3)

    def test_after_the_retries_unavailable_is_raised(self) -> None:
        stub = Stub([UNAVAILABLE] * 3)
        self.addCleanup(stub.close)
        with self.assertRaises(Unavailable) as caught:
            self.client(stub, retries=2).credential("a:read", "a:1")
        self.assertEqual(caught.exception.status, 503)
        self.assertEqual(len(stub.requests), 3)

    def test_a_denial_is_never_retried(self) -> None:
        stub = Stub([(403, {}, {"error": "permission_denied", "error_description": "no", "reason": "explicit_deny", "rule": "role r deny 0"})])
        self.addCleanup(stub.close)
        with self.assertRaises(PermissionDenied) as caught:
            self.client(stub).credential("a:delete", "a:1")
        self.assertEqual((caught.exception.reason, caught.exception.rule), ("explicit_deny", "role r deny 0"))
        self.assertEqual(len(stub.requests), 1)

    def test_a_429_is_raised_at_once_unless_asked_to_retry(self) -> None:
        limited = (429, {"Retry-After": "1"}, {"error": "too_many_requests", "error_description": "slow down"})
        stub = Stub([limited, limited, (201, {}, ISSUED)])
        self.addCleanup(stub.close)
        with self.assertRaises(RateLimited) as caught:
            self.client(stub).credential("a:read", "a:1")
        self.assertEqual(caught.exception.retry_after, 1.0)
        started = time.monotonic()
        self.assertEqual(self.client(stub, retry_rate_limited=True).credential("a:read", "a:1").jti, "j-1")
        self.assertGreaterEqual(time.monotonic() - started, 0.9, "waits Retry-After")
        self.assertEqual(len(stub.requests), 3)

    def test_a_retry_after_longer_than_max_rate_limit_wait_is_raised_at_once(self) -> None:
        stub = Stub([(429, {"Retry-After": "120"}, {"error": "too_many_requests", "error_description": "slow down"})])
        self.addCleanup(stub.close)
        with self.assertRaises(RateLimited):
            self.client(stub, retry_rate_limited=True).credential("a:read", "a:1")
        self.assertEqual(len(stub.requests), 1)

    def test_nobody_listening_is_unavailable_after_the_retries(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with self.assertRaises(Unavailable) as caught:
            Locksmith(f"http://127.0.0.1:{port}", "agent-1", ed25519_jwk(), backoff=0.01).credential("a:read", "a:1")
        self.assertEqual(caught.exception.status, 0)
        self.assertIn(f"127.0.0.1:{port}", caught.exception.description)


REVOKED = (204, {}, {})


class UpstreamTest(unittest.TestCase):
    """The TypeScript SDK's upstream helpers: each revokes its credential when done."""

    def test_database_credential_yields_a_login_and_revokes_after_the_block(self) -> None:
        database = {"host": "db.internal", "port": 5432, "database": "app", "username": "ls_j1", "password": "p@ss/word"}
        stub = Stub([(201, {}, {**ISSUED, "database": database}), REVOKED])
        self.addCleanup(stub.close)
        with Locksmith(stub.url, "agent-1", ed25519_jwk()).database_credential("db:read", "app-db:app") as login:
            self.assertEqual(login.connection_string, "postgres://ls_j1:p%40ss%2Fword@db.internal:5432/app")
            self.assertNotIn("p@ss/word", repr(login))
            self.assertEqual(len(stub.requests), 1)
        self.assertEqual(stub.requests[1][:2], ("DELETE", "/v1/credentials/j-1"))

    def test_a_credential_without_a_login_is_an_invalid_request_and_still_revoked(self) -> None:
        stub = Stub([(201, {}, ISSUED), REVOKED])
        self.addCleanup(stub.close)
        with self.assertRaises(InvalidRequest):
            with Locksmith(stub.url, "agent-1", ed25519_jwk()).database_credential("crm:read", "crm:customers/1"):
                self.fail("no login, no block")
        self.assertEqual(stub.requests[1][0], "DELETE")

    def test_upstream_token_yields_the_connected_accounts_token(self) -> None:
        upstream = {"access_token": "gho_abc", "expires_at": "2030-01-01T00:05:00.000Z"}
        stub = Stub([(201, {}, {**ISSUED, "upstream_token": upstream}), REVOKED])
        self.addCleanup(stub.close)
        with Locksmith(stub.url, "agent-1", ed25519_jwk()).upstream_token("gh:read", "github:repos", on_behalf_of="person-token") as token:
            self.assertEqual((token.access_token, token.expires_at.minute), ("gho_abc", 5))
            self.assertNotIn("gho_abc", repr(token))
        self.assertEqual(stub.requests[1][0], "DELETE")

    def test_proxy_fetch_sends_the_call_through_the_proxy_with_the_credential(self) -> None:
        stub = Stub([(201, {}, ISSUED), (200, {}, {"id": 42}), REVOKED])
        self.addCleanup(stub.close)
        res = Locksmith(stub.url, "agent-1", ed25519_jwk()).proxy_fetch("crm:read", "crm-api:customers/42", "GET", "/customers/42")
        self.assertEqual(res.json(), {"id": 42})
        self.assertEqual(stub.requests[1], ("GET", "/v1/proxy/crm-api/customers/42", "Bearer tok"))
        self.assertEqual(stub.requests[2][0], "DELETE")

    def test_proxy_fetch_refuses_a_resource_that_names_no_upstream(self) -> None:
        with self.assertRaises(InvalidRequest):
            Locksmith("http://127.0.0.1:9", "agent-1", ed25519_jwk()).proxy_fetch("crm:read", "Bad_Upstream:x", "GET", "/x")


class KeyFileTest(unittest.TestCase):
    def test_a_rotated_key_file_is_read_again(self) -> None:
        stub = Stub([(201, {}, ISSUED), (201, {}, ISSUED)])
        self.addCleanup(stub.close)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "agent.jwk.json")
            for kid in ("old-1", "new-1-longer"):
                with open(path, "w", encoding="utf-8") as file:
                    json.dump(ed25519_jwk(kid), file)
                Locksmith(stub.url, "agent-1", path).credential("a:read", "a:1")
        kids = [jwt.get_unverified_header(auth.split(" ")[1])["kid"] for _, _, auth in stub.requests]
        self.assertEqual(kids, ["old-1", "new-1-longer"])


class ErrorMappingTest(unittest.TestCase):
    def test_each_status_maps_to_its_class(self) -> None:
        self.assertIsInstance(error_from_response(400, {"error": "invalid_request", "error_description": "bad ttl"}), InvalidRequest)
        self.assertEqual(error_from_response(401, {"error": "invalid_token", "error_description": "x"}).code, "invalid_token")
        self.assertIsInstance(error_from_response(401, None), AuthenticationFailed)
        self.assertEqual(error_from_response(404, {"error": "not_found", "error_description": "no such"}).code, "not_found")
        self.assertEqual(str(error_from_response(500, None)), "http_500: Locksmith answered 500")
        self.assertTrue(all(issubclass(c, LocksmithClientError) for c in (InvalidRequest, PermissionDenied, RateLimited, Unavailable)))


if __name__ == "__main__":
    unittest.main()
