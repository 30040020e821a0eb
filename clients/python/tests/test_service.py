"""The client against a running Locksmith (test/interop/python-client.test.ts starts it and sets):

LOCKSMITH_URL, LOCKSMITH_ISSUER; LOCKSMITH_TEST_KEYS, a folder of ``<id>.jwk.json`` private keys of the
bundle's agents and of its resource server ``py-api``; LOCKSMITH_TEST_APPROVER_TOKEN and
LOCKSMITH_TEST_REJECTER_TOKEN, sign-ins of two ``sre`` approvers; LOCKSMITH_TEST_USER_TOKEN, a person's
token an agent may act for. Without them the tests fail (they never skip).
"""

from __future__ import annotations

import os
import threading
import time
import unittest
from datetime import datetime, timedelta, timezone
from typing import Any, List

import jwt
import requests

from locksmith_client import (
    ApprovalPending,
    ApprovalRejected,
    ApprovalTimeout,
    AuthenticationFailed,
    InvalidRequest,
    Locksmith,
    PermissionDenied,
    RateLimited,
    ResourceServer,
)

SETTINGS = ("LOCKSMITH_URL", "LOCKSMITH_ISSUER", "LOCKSMITH_TEST_KEYS", "LOCKSMITH_TEST_APPROVER_TOKEN", "LOCKSMITH_TEST_REJECTER_TOKEN", "LOCKSMITH_TEST_USER_TOKEN")
API_AUDIENCE = "https://api.example.com"


def setUpModule() -> None:
    missing = [name for name in SETTINGS if not os.environ.get(name)]
    if missing:
        raise RuntimeError(f"set {', '.join(missing)}: these tests run against a Locksmith (test/interop/python-client.test.ts starts one)")


def key_file(principal: str) -> str:
    return os.path.join(os.environ["LOCKSMITH_TEST_KEYS"], f"{principal}.jwk.json")


def agent(principal: str, **options: Any) -> Locksmith:
    return Locksmith(os.environ["LOCKSMITH_URL"], principal, key_file(principal), issuer=os.environ["LOCKSMITH_ISSUER"], **options)


def api() -> ResourceServer:
    return ResourceServer(os.environ["LOCKSMITH_URL"], "py-api", key_file("py-api"), issuer=os.environ["LOCKSMITH_ISSUER"])


def vote(request_id: str, token: str, decision: str) -> None:
    res = requests.post(
        f"{os.environ['LOCKSMITH_URL']}/v1/approvals/{request_id}",
        headers={"Authorization": f"Bearer {token}"},
        json={"decision": decision},
        timeout=10,
    )
    res.raise_for_status()


def verified_claims(token: str) -> dict:
    """The token's claims, its signature checked against Locksmith's JWKS as any resource server would."""
    jwks = jwt.PyJWKClient(f"{os.environ['LOCKSMITH_URL']}/.well-known/jwks.json")
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "at+jwt", header
    return jwt.decode(token, jwks.get_signing_key_from_jwt(token).key, algorithms=[header["alg"]], audience=API_AUDIENCE, issuer=os.environ["LOCKSMITH_ISSUER"])


class CredentialTest(unittest.TestCase):
    def test_issues_a_narrow_short_lived_credential_whose_claims_say_so(self) -> None:
        credential = agent("py-agent").credential("api:read", "api:items/1", ttl="1m", reason="python client test")
        self.assertEqual((credential.scope, credential.resource, credential.audience), ("api:read", "api:items/1", API_AUDIENCE))
        self.assertIsNone(credential.max_uses)
        self.assertLess(abs(credential.expires_at - datetime.now(timezone.utc) - timedelta(seconds=60)), timedelta(seconds=15))
        claims = verified_claims(credential.token)
        self.assertEqual(claims["jti"], credential.jti)
        self.assertEqual(claims["scope"], "api:read")
        self.assertEqual(claims["resource"], "api:items/1")
        self.assertEqual(claims["exp"] - claims["iat"], 60)
        self.assertNotIn(credential.token, repr(credential))

    def test_an_es256_agent_key_signs_its_assertions_too(self) -> None:
        credential = agent("py-es256-agent").credential(["api:read"], "api:items/2")
        self.assertEqual(verified_claims(credential.token)["resource"], "api:items/2")

    def test_the_resource_server_redeems_it_until_it_is_revoked(self) -> None:
        credential = agent("py-agent").credential("api:read", "api:items/3")
        redeemed = api().redeem(credential.token, scope="api:read", resource="api:items/3")
        assert redeemed is not None
        self.assertEqual((redeemed.jti, redeemed.agent, redeemed.resource, redeemed.scope), (credential.jti, "py-agent", "api:items/3", ("api:read",)))
        self.assertEqual(redeemed.environment, "production")
        self.assertIsNone(api().redeem(credential.token, resource="api:items/4"), "another resource")
        credential.revoke()
        credential.revoke()  # idempotent
        self.assertIsNone(api().redeem(credential.token, scope="api:read", resource="api:items/3"))


class DenialTest(unittest.TestCase):
    def test_a_denied_scope_raises_permission_denied_with_the_reason_and_rule(self) -> None:
        with self.assertRaises(PermissionDenied) as caught:
            agent("py-agent").credential("api:delete", "api:items/1")
        self.assertEqual((caught.exception.code, caught.exception.status, caught.exception.reason), ("permission_denied", 403, "explicit_deny"))
        self.assertIsInstance(caught.exception.rule, str)
        self.assertIn("api:delete", str(caught.exception.rule) + caught.exception.description)

    def test_a_resource_without_a_grant_is_no_grant(self) -> None:
        with self.assertRaises(PermissionDenied) as caught:
            agent("py-agent").credential("api:read", "api:secrets/1")
        self.assertEqual(caught.exception.reason, "no_grant")

    def test_a_wildcard_is_an_invalid_request_not_retried(self) -> None:
        with self.assertRaises(InvalidRequest) as caught:
            agent("py-agent").credential("api:read", "api:items/*")
        self.assertEqual(caught.exception.status, 400)

    def test_assertions_for_the_wrong_audience_fail_authentication(self) -> None:
        wrong_issuer = Locksmith(os.environ["LOCKSMITH_URL"], "py-agent", key_file("py-agent"))  # aud = url, not the issuer
        with self.assertRaises(AuthenticationFailed) as caught:
            wrong_issuer.credential("api:read", "api:items/1")
        self.assertEqual((caught.exception.code, caught.exception.status), ("invalid_client", 401))

    def test_another_agents_key_fails_authentication(self) -> None:
        impostor = Locksmith(os.environ["LOCKSMITH_URL"], "py-agent", key_file("py-flood-agent"), issuer=os.environ["LOCKSMITH_ISSUER"])
        with self.assertRaises(AuthenticationFailed):
            impostor.credential("api:read", "api:items/1")


class WithCredentialTest(unittest.TestCase):
    def test_revokes_the_credential_when_the_block_ends(self) -> None:
        with agent("py-agent").with_credential("api:read", "api:items/5", ttl=30) as credential:
            self.assertIsNotNone(api().redeem(credential.token, scope="api:read", resource="api:items/5"))
        self.assertIsNone(api().redeem(credential.token, scope="api:read", resource="api:items/5"))

    def test_revokes_it_when_the_block_raises_and_lets_the_exception_through(self) -> None:
        seen: List[str] = []
        with self.assertRaises(ZeroDivisionError):
            with agent("py-agent").with_credential("api:read", "api:items/6") as credential:
                seen.append(credential.token)
                _ = 1 / 0
        self.assertIsNone(api().redeem(seen[0], resource="api:items/6"))

    def test_a_denial_raises_before_the_block_runs(self) -> None:
        ran = False
        with self.assertRaises(PermissionDenied):
            with agent("py-agent").with_credential("api:delete", "api:items/7"):
                ran = True
        self.assertFalse(ran)


class ApprovalTest(unittest.TestCase):
    def pending(self) -> ApprovalPending:
        with self.assertRaises(ApprovalPending) as caught:
            agent("py-approval-agent").credential("api:write", "api:items/8", reason="python approval test")
        self.assertEqual((caught.exception.code, caught.exception.status), ("pending_approval", 202))
        return caught.exception

    def vote_soon(self, request_id: str, token_setting: str, decision: str) -> threading.Thread:
        """An approver votes a second from now, while the client is already waiting."""
        errors: List[BaseException] = []

        def later() -> None:
            time.sleep(1)
            try:
                vote(request_id, os.environ[token_setting], decision)
            except BaseException as error:  # reported by the test, not lost in the thread
                errors.append(error)

        thread = threading.Thread(target=later)
        thread.errors = errors  # type: ignore[attr-defined]
        thread.start()
        return thread

    def test_waits_for_the_approval_and_gets_the_credential(self) -> None:
        waiting = self.pending()
        voter = self.vote_soon(waiting.request_id, "LOCKSMITH_TEST_APPROVER_TOKEN", "approve")
        credential = waiting.approved(timeout=30)
        voter.join()
        self.assertEqual(voter.errors, [])  # type: ignore[attr-defined]
        self.assertEqual((credential.scope, credential.resource, credential.max_uses), ("api:write", "api:items/8", 1))
        self.assertIsNotNone(api().redeem(credential.token, scope="api:write", resource="api:items/8"))

    def test_a_rejection_raises_approval_rejected_a_permission_denied(self) -> None:
        waiting = self.pending()
        voter = self.vote_soon(waiting.request_id, "LOCKSMITH_TEST_REJECTER_TOKEN", "reject")
        with self.assertRaises(ApprovalRejected) as caught:
            waiting.approved(timeout=30)
        voter.join()
        self.assertIsInstance(caught.exception, PermissionDenied)
        self.assertEqual((caught.exception.reason, caught.exception.request_id), ("approval_rejected", waiting.request_id))

    def test_no_decision_in_time_raises_approval_timeout(self) -> None:
        waiting = self.pending()
        started = time.monotonic()
        with self.assertRaises(ApprovalTimeout) as caught:
            waiting.approved(timeout=1.5)
        self.assertEqual(caught.exception.request_id, waiting.request_id)
        self.assertLess(time.monotonic() - started, 10)

    def test_with_credential_can_wait_for_the_approval_itself(self) -> None:
        # The request id is only known once the client waits: the approver looks it up as a person would.
        def approve_what_is_pending() -> None:
            for _ in range(50):
                res = requests.get(
                    f"{os.environ['LOCKSMITH_URL']}/v1/approvals",
                    headers={"Authorization": f"Bearer {os.environ['LOCKSMITH_TEST_APPROVER_TOKEN']}"},
                    timeout=10,
                )
                res.raise_for_status()
                mine = [r for r in res.json()["approvals"] if r["resource"] == "api:items/9" and r["status"] == "pending_approval"]
                if mine:
                    vote(mine[0]["request_id"], os.environ["LOCKSMITH_TEST_APPROVER_TOKEN"], "approve")
                    return
                time.sleep(0.2)

        errors: List[BaseException] = []

        def approver_at_work() -> None:
            try:
                approve_what_is_pending()
            except BaseException as error:  # reported by the test, not lost in the thread
                errors.append(error)

        approver = threading.Thread(target=approver_at_work)
        approver.start()
        with agent("py-approval-agent").with_credential("api:write", "api:items/9", wait_for_approval=30) as credential:
            self.assertEqual(credential.resource, "api:items/9")
            token = credential.token
        approver.join()
        self.assertEqual(errors, [])
        self.assertIsNone(api().redeem(token, resource="api:items/9"))


class DelegationTest(unittest.TestCase):
    def test_a_grant_that_needs_a_person_is_denied_to_the_agent_alone(self) -> None:
        with self.assertRaises(PermissionDenied) as caught:
            agent("py-agent").credential("api:export", "api:items/10")
        self.assertEqual(caught.exception.reason, "requires_user")

    def test_on_behalf_of_a_person_the_credential_names_them(self) -> None:
        credential = agent("py-agent").credential("api:export", "api:items/10", on_behalf_of=os.environ["LOCKSMITH_TEST_USER_TOKEN"])
        redeemed = api().redeem(credential.token, scope="api:export", resource="api:items/10")
        assert redeemed is not None
        self.assertEqual((redeemed.agent, redeemed.user), ("py-agent", "dana"))

    def test_an_untrusted_person_token_fails_with_invalid_token(self) -> None:
        with self.assertRaises(AuthenticationFailed) as caught:
            agent("py-agent").credential("api:export", "api:items/10", on_behalf_of="not.a.token")
        self.assertEqual(caught.exception.code, "invalid_token")


class RecordingSession(requests.Session):
    """A session that notes the status of every answer."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: List[int] = []

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        res = super().request(*args, **kwargs)
        self.statuses.append(res.status_code)
        return res


class RateLimitTest(unittest.TestCase):
    """The bundle allows an agent 30 requests per 5 s window."""

    def flood(self) -> RateLimited:
        flooding = agent("py-flood-agent")
        for _ in range(200):
            try:
                flooding.credential("api:read", "api:items/11", ttl=10)
            except RateLimited as limited:
                return limited
        self.fail("200 requests in a row were never rate limited")

    def test_over_the_limit_raises_rate_limited_with_retry_after_and_is_not_retried_by_default(self) -> None:
        for _ in range(3):
            limited = self.flood()
            self.assertEqual((limited.code, limited.status), ("too_many_requests", 429))
            assert limited.retry_after is not None
            self.assertTrue(0 < limited.retry_after <= 5, limited.retry_after)
            session = RecordingSession()
            try:
                agent("py-flood-agent", session=session).credential("api:read", "api:items/11")
            except RateLimited:
                self.assertEqual(session.statuses, [429])
                return
        self.fail("the window reset three times between the flood and the next request: nothing was refused")

    def test_retry_rate_limited_waits_out_the_window_and_gets_the_credential(self) -> None:
        for _ in range(3):
            self.flood()
            session = RecordingSession()
            credential = agent("py-flood-agent", session=session, retry_rate_limited=True, retries=2).credential("api:read", "api:items/11")
            self.assertEqual(credential.resource, "api:items/11")
            if session.statuses[0] == 429:
                self.assertEqual(session.statuses[-1], 201)
                return
        self.fail("the window reset three times between the flood and the retrying client: nothing was retried")


if __name__ == "__main__":
    unittest.main()
