"""Signing the assertion that authenticates one call to Locksmith (RFC 7523 ``private_key_jwt``)."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from typing import Any, Callable, Dict, Optional, Tuple, Union

import jwt

#: A principal's private key as a JWK: Ed25519 (``kty: OKP``) or P-256 (``kty: EC``), with ``d``.
PrivateJwk = Dict[str, Any]

#: The key: a private JWK, the path of a JWK file (re-read when it changes, so a rotated key is
#: picked up without a restart), or a function that returns the current key (a secrets manager).
KeySource = Union[PrivateJwk, str, "os.PathLike[str]", Callable[[], PrivateJwk]]


def algorithm_of(key: PrivateJwk) -> str:
    """``ES256`` for a P-256 key, ``EdDSA`` for an Ed25519 one; anything else is refused."""
    if key.get("kty") == "EC" and key.get("crv") == "P-256":
        return "ES256"
    if key.get("kty") == "OKP" and key.get("crv") == "Ed25519":
        return "EdDSA"
    raise ValueError(f"unsupported key (kty {key.get('kty')!r}, crv {key.get('crv')!r}): use Ed25519 (OKP) or P-256 (EC)")


def sign_assertion(agent_id: str, key: PrivateJwk, audience: str, lifetime_seconds: int = 60) -> str:
    """Signs the assertion for one call: ``iss`` = ``sub`` = your id, ``aud`` = Locksmith's issuer URL,
    a fresh ``jti``, 60 seconds of life. Sign a new one for every call: Locksmith accepts each ``jti`` once.

    Example::

        assertion = sign_assertion("support-agent", key, "http://localhost:8080")
        requests.post(url, headers={"Authorization": f"Bearer {assertion}"}, json=body)
    """
    if "d" not in key:
        raise ValueError("the key has no private part (d): give the agent's private JWK, not the public one")
    alg = algorithm_of(key)
    now = int(time.time())
    claims = {"iss": agent_id, "sub": agent_id, "aud": audience, "jti": str(uuid.uuid4()), "iat": now, "exp": now + lifetime_seconds}
    headers = {"kid": key["kid"]} if key.get("kid") else None
    signing_key = jwt.PyJWK(key, algorithm=alg).key
    return jwt.encode(claims, signing_key, algorithm=alg, headers=headers)


def key_loader(source: KeySource) -> Callable[[], PrivateJwk]:
    """Turns a KeySource into a function that gives the current key."""
    if callable(source):
        return source
    if isinstance(source, dict):
        algorithm_of(source)
        return lambda: source
    path = os.fspath(source)
    cache: Dict[str, Tuple[Tuple[float, int], PrivateJwk]] = {}
    lock = threading.Lock()

    def load() -> PrivateJwk:
        stat = os.stat(path)
        stamp = (stat.st_mtime, stat.st_size)
        with lock:
            cached: Optional[Tuple[Tuple[float, int], PrivateJwk]] = cache.get(path)
            if cached is None or cached[0] != stamp:
                with open(path, encoding="utf-8") as file:
                    cache[path] = (stamp, json.load(file))
            return cache[path][1]

    return load
