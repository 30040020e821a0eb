"""The resource-server side: redeeming a credential an agent presented, online at Locksmith."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Sequence, Tuple, Union

import requests

from .assertion import KeySource, key_loader
from .client import _parse_time
from .transport import Transport


@dataclass(frozen=True)
class Redeemed:
    """An active credential, as Locksmith redeemed it: one use spent, logged in the ledger."""

    jti: str
    agent: str
    scope: Tuple[str, ...]
    resource: str
    environment: str
    expires_at: datetime
    user: Optional[str] = None
    #: None for a credential without ``max_uses``.
    uses_remaining: Optional[int] = None


class ResourceServer:
    """Redeems credentials at Locksmith as the resource server ``server_id`` of the policy bundle
    (``POST /v1/credentials/redeem``): it sees revocations at once and spends a use, like the express
    middleware's ``redeem: "online"``.

    Example::

        crm = ResourceServer("http://localhost:8080", "crm-prod", "examples/keys/crm-prod.jwk.json")
        redeemed = crm.redeem(token, scope="crm:read", resource="crm:customers/42")
        if redeemed is None:
            ...  # answer 401: revoked, used up, expired, or not for this scope and resource
    """

    def __init__(
        self,
        url: str,
        server_id: str,
        key: KeySource,
        *,
        issuer: Optional[str] = None,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.2,
        session: Optional[requests.Session] = None,
    ) -> None:
        self._transport = Transport(
            url=url, issuer=issuer or url, principal=server_id, key=key_loader(key), timeout=timeout, retries=retries, backoff=backoff, session=session
        )

    def redeem(self, token: str, *, scope: Union[str, Sequence[str], None] = None, resource: Optional[str] = None) -> Optional[Redeemed]:
        """The credential when it is active and covers ``scope`` and ``resource`` (when given); None when it is
        not (an ordinary outcome, not an error). Raises Unavailable when Locksmith cannot be asked."""
        body = {"credential": token}
        if scope is not None:
            body["scope"] = scope if isinstance(scope, str) else " ".join(scope)
        if resource is not None:
            body["resource"] = resource
        answer = self._transport.call("POST", "/v1/credentials/redeem", body).body
        if answer.get("active") is not True:
            return None
        uses = answer.get("uses_remaining")
        user = answer.get("user")
        return Redeemed(
            jti=str(answer.get("jti")),
            agent=str(answer.get("agent")),
            scope=tuple(str(answer.get("scope", "")).split()),
            resource=str(answer.get("resource")),
            environment=str(answer.get("env")),
            expires_at=_parse_time(str(answer.get("expires_at"))),
            user=user if isinstance(user, str) else None,
            uses_remaining=uses if isinstance(uses, int) else None,
        )
