"""The agent side of Locksmith: a fresh, narrow, short-lived credential per operation."""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, Iterator, Optional, Sequence, Tuple, Union
from urllib.parse import quote

import requests

from .assertion import KeySource, key_loader
from .errors import ApprovalRejected, ApprovalTimeout, InvalidRequest, LocksmithClientError
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


@dataclass(frozen=True)
class DatabaseLogin:
    """A database login made for one credential (an upstream of kind ``postgres``), dropped when it ends.
    Never log ``password`` (it is left out of ``repr``)."""

    host: str
    port: int
    database: str
    username: str
    password: str = field(repr=False)

    @property
    def connection_string(self) -> str:
        """``postgres://username:password@host:port/database``, for drivers that take a URL."""
        return f"postgres://{quote(self.username, safe='')}:{quote(self.password, safe='')}@{self.host}:{self.port}/{quote(self.database, safe='')}"


@dataclass(frozen=True)
class UpstreamToken:
    """A short-lived token of a connected account (an upstream of kind ``oauth2``). Never log it."""

    access_token: str = field(repr=False)
    expires_at: datetime


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
        return self._to_credential(self._issue(scope, resource, ttl, on_behalf_of, reason, wait_for_approval))

    def _issue(
        self, scope: Scope, resource: str, ttl: Optional[Ttl], on_behalf_of: Optional[str], reason: Optional[str], wait_for_approval: Optional[float]
    ) -> Answer:
        """The 201 answer (the credential and any upstream fields beside it), after the approval when waiting."""
        body: Dict[str, Any] = {"scope": scope if isinstance(scope, str) else " ".join(scope), "resource": resource}
        if ttl is not None:
            body["ttl"] = ttl
        if on_behalf_of is not None:
            body["on_behalf_of"] = on_behalf_of
        if reason is not None:
            body["reason"] = reason
        answer = self._transport.call("POST", "/v1/credentials", body)
        if answer.status != 202:
            return answer
        request_id = str(answer.body.get("request_id"))
        poll = self._await_approval_of(request_id)
        pending = ApprovalPending(request_id, lambda timeout, interval: self._to_credential(poll(timeout, interval)))
        if wait_for_approval is None:
            raise pending
        return poll(wait_for_approval, 1.0)

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
        with self._with_answer(scope, resource, ttl, on_behalf_of, reason, wait_for_approval) as (_answer, credential):
            yield credential

    @contextlib.contextmanager
    def _with_answer(
        self, scope: Scope, resource: str, ttl: Optional[Ttl], on_behalf_of: Optional[str], reason: Optional[str], wait_for_approval: Optional[float]
    ) -> Iterator[Tuple[Answer, Credential]]:
        answer = self._issue(scope, resource, ttl, on_behalf_of, reason, wait_for_approval)
        credential = self._to_credential(answer)
        try:
            yield answer, credential
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

    def proxy_fetch(
        self, scope: Scope, resource: str, method: str, path: str, *, ttl: Optional[Ttl] = None, reason: Optional[str] = None, **kwargs: Any
    ) -> requests.Response:
        """Calls an API-key upstream through Locksmith's egress proxy, so the agent never holds its key: a
        credential for ``resource`` (``<upstream>:<path>``, or ``<upstream>`` for all of it), then
        ``method`` to ``{url}/v1/proxy/<upstream><path>`` with it, revoked once the response arrives.
        Locksmith answers 403 itself when the method and path are outside the credential's scopes.

        Example::

            res = locksmith.proxy_fetch("crm:read", "crm-api:customers/42", "GET", "/customers/42")
        """
        upstream = resource.split(":")[0]
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", upstream) or not path.startswith("/"):
            raise InvalidRequest("resource must be <upstream> or <upstream>:<path>, and path must start with /")
        with self.with_credential(scope, resource, ttl=ttl, reason=reason) as credential:
            headers = dict(kwargs.pop("headers", None) or {})
            headers["Authorization"] = f"Bearer {credential.token}"
            return requests.request(method, f"{self._transport.url.rstrip('/')}/v1/proxy/{upstream}{path}", headers=headers, **kwargs)

    @contextlib.contextmanager
    def database_credential(
        self, scope: Scope, resource: str, *, ttl: Optional[Ttl] = None, reason: Optional[str] = None
    ) -> Iterator[DatabaseLogin]:
        """A database login of its own for the ``with`` block (an upstream of kind ``postgres``): a fresh role
        with only the scope's privileges. Revoked when the block ends, which ends its sessions and drops the role.

        Example::

            with locksmith.database_credential("db:read", "app-db:app") as login:
                with psycopg2.connect(login.connection_string) as connection:
                    ...
        """
        with self._with_answer(scope, resource, ttl, None, reason, None) as (answer, _credential):
            db = answer.body.get("database")
            if not isinstance(db, dict):
                raise InvalidRequest(f"{resource} is not a database upstream: Locksmith handed out no login")
            yield DatabaseLogin(
                host=str(db["host"]), port=int(db["port"]), database=str(db["database"]), username=str(db["username"]), password=str(db["password"])
            )

    @contextlib.contextmanager
    def upstream_token(
        self, scope: Scope, resource: str, *, on_behalf_of: str, ttl: Optional[Ttl] = None, reason: Optional[str] = None
    ) -> Iterator[UpstreamToken]:
        """A connected account's short-lived access token for the person the agent acts for (an upstream of
        kind ``oauth2``), for the ``with`` block. PermissionDenied with reason ``connection_required`` when the
        person has not connected it (the description names the URL to visit)."""
        with self._with_answer(scope, resource, ttl, on_behalf_of, reason, None) as (answer, _credential):
            upstream = answer.body.get("upstream_token")
            if not isinstance(upstream, dict) or not isinstance(upstream.get("access_token"), str):
                raise InvalidRequest(f"{resource} is not a connected-accounts upstream: Locksmith handed out no upstream token")
            yield UpstreamToken(access_token=upstream["access_token"], expires_at=_parse_time(str(upstream.get("expires_at"))))

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

    def _await_approval_of(self, request_id: str) -> Callable[[float, float], Answer]:
        """Long-polls ``GET /v1/credentials/requests/{id}?wait=N`` until the request is decided or time runs
        out. The credential is handed out once: ``approved`` carries it; ``rejected``, ``expired`` and
        ``collected`` (already handed out) never will."""

        def poll(timeout: float, interval: float) -> Answer:
            deadline = time.monotonic() + timeout
            while True:
                # Each long poll stays well inside the per-call time-out.
                wait = max(0, min(3, int(deadline - time.monotonic())))
                answer = self._transport.call("GET", f"/v1/credentials/requests/{quote(request_id, safe='')}?wait={wait}")
                status = answer.body.get("status")
                if status == "approved" and isinstance(answer.body.get("credential"), str):
                    return answer
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
