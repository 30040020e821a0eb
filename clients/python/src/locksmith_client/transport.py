"""One authenticated call to Locksmith, with the TypeScript SDK's retry rules."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional
from urllib.parse import urljoin

import requests

from .assertion import PrivateJwk, sign_assertion
from .errors import RateLimited, Unavailable, error_from_response


@dataclass(frozen=True)
class Answer:
    """A 2xx answer: its status and JSON body."""

    status: int
    body: Dict[str, Any]


@dataclass
class Transport:
    """Where and as whom to call. ``retries`` extra attempts after a 503 or a network error (and after a 429
    when ``retry_rate_limited``), never after another 4xx; ``backoff`` seconds doubles each retry, with jitter."""

    url: str
    issuer: str
    principal: str
    key: Callable[[], PrivateJwk]
    timeout: float = 5.0
    retries: int = 2
    backoff: float = 0.2
    retry_rate_limited: bool = False
    #: The longest Retry-After worth waiting for when ``retry_rate_limited``; a longer one is raised at once.
    max_rate_limit_wait: float = 60.0
    session: Optional[requests.Session] = None

    def call(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Answer:
        """A fresh assertion per attempt (each ``jti`` is accepted once), a time-out per attempt, retries with
        exponential back-off only when Locksmith is unavailable. A 2xx comes back as an Answer; every other
        status is raised as its typed error."""
        http = self.session or requests
        attempt = 0
        while True:
            assertion = sign_assertion(self.principal, self.key(), self.issuer)
            wait: Optional[float] = None
            try:
                res = http.request(
                    method,
                    urljoin(self.url.rstrip("/") + "/", path.lstrip("/")),
                    headers={"Authorization": f"Bearer {assertion}"},
                    json=body,
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                failure: Exception = Unavailable(f"cannot reach Locksmith at {self.url} ({type(error).__name__})")
            else:
                parsed = _json(res)
                if 200 <= res.status_code < 300:
                    return Answer(res.status_code, parsed or {})
                failure = error_from_response(res.status_code, parsed, _retry_after(res))
                if isinstance(failure, RateLimited) and self.retry_rate_limited:
                    if failure.retry_after is not None and failure.retry_after > self.max_rate_limit_wait:
                        raise failure
                    wait = failure.retry_after
                elif not isinstance(failure, Unavailable):
                    raise failure
            if attempt >= self.retries:
                raise failure
            backoff = self.backoff * 2**attempt
            time.sleep(max(wait or 0.0, backoff / 2 + random.random() * backoff / 2))
            attempt += 1


def _json(res: requests.Response) -> Optional[Dict[str, Any]]:
    if not res.content:
        return None
    try:
        parsed = res.json()
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _retry_after(res: requests.Response) -> Optional[float]:
    value = res.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
