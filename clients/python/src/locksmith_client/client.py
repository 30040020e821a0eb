"""The agent side of Locksmith: a fresh, narrow, short-lived credential per operation."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, Iterator, Optional, Sequence, Union
from urllib.parse import quote

import requests

from .assertion import KeySource, key_loader
from .errors import ApprovalRejected, ApprovalTimeout, LocksmithClientError
from .transport import Answer, Transport

Scope = Union[str, Sequence[str]]
Ttl = Union[int, str]


@dataclass(frozen=True)
class Credential:
    """A credential Locksmith issued. ``token`` is the bearer token: send it as
    ``Authorization: Bearer <token>`` and never log it (it is left out of ``repr``)."""

    token: str = field(repr=False)
    jti: str
    scope: str
    resource: str
    audience: str
    expires_at: datetime
    max_uses: Optional[int] = None
    _revoke: Callable[[str], None] = field(default=lambda _jti: None, repr=False, compare=False)

    def revoke(self) -> None:
        """Revokes it now (idempotent)."""
        self._revoke(self.jti)


class ApprovalPending(LocksmithClientError):
    """202: a grant needs approval. Raised by ``credential()``, so code that does not expect approval never
    proceeds without a token; ``error.approved(timeout=...)`` waits for the decision."""

    def __init__(self, request_id: str, poll: Callable[[float, float], Credential]) -> None:
        super().__init__("pending_approval", f"request {request_id} is waiting for approval", 202)
        self.request_id = request_id
        self._poll = poll

    def approved(self, timeout: float = 300.0, interval: float = 1.0) -> Credential:
        """Waits until approved (the credential), rejected or expired (ApprovalRejected, a PermissionDenied)
        or ``timeout`` seconds pass (ApprovalTimeout)."""
        return self._poll(timeout, interval)


class Locksmith:
    """The agent side of Locksmith.

    Example::

        locksmith = Locksmith("http://localhost:8080", "support-agent", "examples/keys/support-agent.jwk.json")
        with locksmith.with_credential("crm:read", "crm:customers/42", ttl="2m") as credential:
            requests.get("http://localhost:3000/customers/42", headers={"Authorization": f"Bearer {credential.token}"})

    ``key`` is the agent's private JWK (a dict), the path of a JWK file (re-read when it changes) or a
    function returning the current JWK; Ed25519 keys sign EdDSA assertions, P-256 keys ES256.
    ``issuer`` is Locksmith's issuer URL (the assertions' ``aud``) when it differs from ``url``.
    Each attempt has a ``timeout`` (seconds); 503s and network failures are retried ``retries`` times
    with exponential back-off from ``backoff`` seconds; 429s too when ``retry_rate_limited`` (waiting
    ``Retry-After``); other 4xx never.
    """

    def __init__(
        self,
        url: str,
        agent_id: str,
        key: KeySource,
        *,
        issuer: Optional[str] = None,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.2,
        retry_rate_limited: bool = False,
        max_rate_limit_wait: float = 60.0,
        session: Optional[requests.Session] = None,
    ) -> None:
        self.agent_id = agent_id
        self._transport = Transport(
            url=url,
            issuer=issuer or url,
            principal=agent_id,
            key=key_loader(key),
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            retry_rate_limited=retry_rate_limited,
            max_rate_limit_wait=max_rate_limit_wait,
            session=session,
        )

    def credential(
        self,
        scope: Scope,
        resource: str,
        *,
        ttl: Optional[Ttl] = None,
        on_behalf_of: Optional[str] = None,
        reason: Optional[str] = None,
        wait_for_approval: Optional[float] = None,
    ) -> Credential:
        """Asks for a credential for one operation: its scope(s), its one resource, optionally a shorter
        ``ttl`` (seconds or ``"30s"``/``"5m"``), a person's token to act for (``on_behalf_of``) and a
        ``reason`` for the audit log.

        Raises PermissionDenied, ApprovalPending (unless ``wait_for_approval`` seconds are given: then it
        waits, as ``ApprovalPending.approved`` does), InvalidRequest, AuthenticationFailed, RateLimited or
        Unavailable.
        """
        body: Dict[str, Any] = {"scope": scope if isinstance(scope, str) else " ".join(scope), "resource": resource}
        if ttl is not None:
            body["ttl"] = ttl
        if on_behalf_of is not None:
            body["on_behalf_of"] = on_behalf_of
        if reason is not None:
            body["reason"] = reason
        answer = self._transport.call("POST", "/v1/credentials", body)
        if answer.status == 202:
            pending = ApprovalPending(str(answer.body.get("request_id")), self._await_approval_of(str(answer.body.get("request_id"))))
            if wait_for_approval is None:
                raise pending
            return pending.approved(timeout=wait_for_approval)
        return self._to_credential(answer)

    def revoke(self, jti: str) -> None:
        """Revokes a credential now; idempotent."""
        self._transport.call("DELETE", f"/v1/credentials/{quote(jti, safe='')}")

    @contextlib.contextmanager
    def with_credential(
        self,
        scope: Scope,
        resource: str,
        *,
        ttl: Optional[Ttl] = None,
        on_behalf_of: Optional[str] = None,
        reason: Optional[str] = None,
        wait_for_approval: Optional[float] = None,
    ) -> Iterator[Credential]:
        """A fresh credential for the ``with`` block, revoked when the block ends, normally or by an exception.

        Example::

            with locksmith.with_credential("crm:read", "crm:customers/42") as credential:
                call_the_api(credential.token)
        """
        credential = self.credential(scope, resource, ttl=ttl, on_behalf_of=on_behalf_of, reason=reason, wait_for_approval=wait_for_approval)
        try:
            yield credential
        finally:
            # The credential expires anyway: a failed revoke must not hide the block's own outcome.
            with contextlib.suppress(Exception):
                credential.revoke()

    def fetch(self, scope: Scope, resource: str, method: str, url: str, *, ttl: Optional[Ttl] = None, reason: Optional[str] = None, **kwargs: Any) -> requests.Response:
        """One HTTP call (``requests.request(method, url, **kwargs)``) with a credential of its own in
        ``Authorization``, revoked once the response arrives."""
        with self.with_credential(scope, resource, ttl=ttl, reason=reason) as credential:
            headers = dict(kwargs.pop("headers", None) or {})
            headers["Authorization"] = f"Bearer {credential.token}"
            return requests.request(method, url, headers=headers, **kwargs)

    def _to_credential(self, answer: Answer) -> Credential:
        body = answer.body
        max_uses = body.get("max_uses")
        return Credential(
            token=str(body.get("credential")),
            jti=str(body.get("jti")),
            scope=str(body.get("scope")),
            resource=str(body.get("resource")),
            audience=str(body.get("audience")),
            expires_at=_parse_time(str(body.get("expires_at"))),
            max_uses=max_uses if isinstance(max_uses, int) else None,
            _revoke=self.revoke,
        )

    def _await_approval_of(self, request_id: str) -> Callable[[float, float], Credential]:
        """Long-polls ``GET /v1/credentials/requests/{id}?wait=N`` until the request is decided or time runs
        out. The credential is handed out once: ``approved`` carries it; ``rejected``, ``expired`` and
        ``collected`` (already handed out) never will."""

        def poll(timeout: float, interval: float) -> Credential:
            deadline = time.monotonic() + timeout
            while True:
                # Each long poll stays well inside the per-call time-out.
                wait = max(0, min(3, int(deadline - time.monotonic())))
                answer = self._transport.call("GET", f"/v1/credentials/requests/{quote(request_id, safe='')}?wait={wait}")
                status = answer.body.get("status")
                if status == "approved" and isinstance(answer.body.get("credential"), str):
                    return self._to_credential(answer)
                if status in ("rejected", "expired", "collected"):
                    raise ApprovalRejected(request_id, str(status))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ApprovalTimeout(request_id)
                if wait == 0:
                    time.sleep(min(interval, remaining))

        return poll


def _parse_time(value: str) -> datetime:
    # fromisoformat before Python 3.11 does not read a trailing Z.
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
