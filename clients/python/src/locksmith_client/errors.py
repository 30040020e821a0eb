"""What the client raises. Catch the class (or compare ``code``), never parse the message.

The classes and codes are those of the TypeScript SDK (``locksmith/client``); ``RateLimited`` and
``ApprovalRejected`` are narrower subclasses of what it throws for the same answers.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional


class LocksmithClientError(Exception):
    """Every error of the client: ``code`` is the contract's ``error`` (``permission_denied``, ...),
    ``status`` the HTTP status (0 when Locksmith could not be reached)."""

    def __init__(self, code: str, description: str, status: int) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.status = status


class PermissionDenied(LocksmithClientError):
    """403: the policy said no. ``reason`` is ``explicit_deny``, ``no_grant``, ``environment_wall``, ...;
    ``rule`` names the rule when the server says which."""

    def __init__(self, description: str, reason: str, rule: Optional[str] = None) -> None:
        super().__init__("permission_denied", description, 403)
        self.reason = reason
        self.rule = rule


class ApprovalRejected(PermissionDenied):
    """A request that waited for approval and will never be handed out: ``reason`` is
    ``approval_rejected``, ``approval_expired`` or ``approval_collected`` (already handed out)."""

    def __init__(self, request_id: str, status: str) -> None:
        super().__init__(f"approval request {request_id} is {status}", f"approval_{status}")
        self.request_id = request_id


class InvalidRequest(LocksmithClientError):
    """400: the request itself is wrong (a wildcard, a bad ttl, an unknown field). A bug to fix, not to retry."""

    def __init__(self, description: str) -> None:
        super().__init__("invalid_request", description, 400)


class AuthenticationFailed(LocksmithClientError):
    """401: Locksmith does not know this agent or its key (wrong id, wrong key, wrong issuer, clock far off),
    or an ``on_behalf_of`` token it does not trust (``code`` ``invalid_token``)."""

    def __init__(self, description: str, code: str = "invalid_client") -> None:
        super().__init__(code, description, 401)


class RateLimited(LocksmithClientError):
    """429: over the bundle's ``rate_limits``. ``retry_after`` is the seconds until the window resets
    (the ``Retry-After`` header). Raised after the retries when ``retry_rate_limited`` is on."""

    def __init__(self, description: str, retry_after: Optional[float]) -> None:
        super().__init__("too_many_requests", description, 429)
        self.retry_after = retry_after


class Unavailable(LocksmithClientError):
    """503, a network error or a time-out, after the retries: nothing was issued."""

    def __init__(self, description: str, status: int = 0) -> None:
        super().__init__("temporarily_unavailable", description, status)


class ApprovalTimeout(LocksmithClientError):
    """An approval that did not come within ``approved(timeout=...)``. The request may still be approved later."""

    def __init__(self, request_id: str) -> None:
        super().__init__("approval_timeout", f"request {request_id} is still waiting for approval", 202)
        self.request_id = request_id


def error_from_response(status: int, body: Optional[Mapping[str, Any]], retry_after: Optional[float] = None) -> LocksmithClientError:
    """Maps an error answer of the contract (``{error, error_description, reason?, rule?}``) to its class."""
    body = body or {}
    code = body.get("error") if isinstance(body.get("error"), str) else f"http_{status}"
    description = body.get("error_description") if isinstance(body.get("error_description"), str) else f"Locksmith answered {status}"
    if status == 403 and code == "permission_denied":
        rule = body.get("rule")
        return PermissionDenied(description, str(body.get("reason", "unknown")), rule if isinstance(rule, str) else None)
    if status == 400:
        return InvalidRequest(description)
    if status == 401:
        return AuthenticationFailed(description, code if code in ("invalid_client", "invalid_token") else "invalid_client")
    if status == 429:
        return RateLimited(description, retry_after)
    if status == 503:
        return Unavailable(description, status)
    return LocksmithClientError(code, description, status)
