"""Python client for Locksmith: a fresh, narrow, short-lived credential per operation.

Example::

    from locksmith_client import Locksmith, PermissionDenied

    locksmith = Locksmith("http://localhost:8080", "support-agent", "examples/keys/support-agent.jwk.json")
    with locksmith.with_credential("crm:read", "crm:customers/42", ttl="2m") as credential:
        ...  # Authorization: Bearer {credential.token}
"""

from .assertion import KeySource, PrivateJwk, sign_assertion
from .client import ApprovalPending, Credential, DatabaseLogin, Locksmith, UpstreamToken
from .errors import (
    ApprovalRejected,
    ApprovalTimeout,
    AuthenticationFailed,
    InvalidRequest,
    LocksmithClientError,
    PermissionDenied,
    RateLimited,
    Unavailable,
)
from .resource_server import Redeemed, ResourceServer

__all__ = [
    "ApprovalPending",
    "ApprovalRejected",
    "ApprovalTimeout",
    "AuthenticationFailed",
    "Credential",
    "DatabaseLogin",
    "InvalidRequest",
    "KeySource",
    "Locksmith",
    "LocksmithClientError",
    "PermissionDenied",
    "PrivateJwk",
    "RateLimited",
    "Redeemed",
    "ResourceServer",
    "Unavailable",
    "UpstreamToken",
    "sign_assertion",
]
__version__ = "0.1.0"
