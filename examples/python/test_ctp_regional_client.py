"""Unit tests of the Python regional client's own logic, without servers: python3 -m unittest (in examples/python).

The whole walk-through against a real hub, platform and secured nats-server is test/examples/python-client.test.ts.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import unittest
from types import SimpleNamespace
from typing import Any
from unittest import mock

import ctp_regional_client as ctp
from nats.errors import TimeoutError as NatsTimeoutError

# A throwaway user nkey made for this test with the nats.js library the services use (@nats-io/nats-core), with its
# public key and its signature of b"nonce-123": the Python side must derive and sign exactly the same.
SEED = b"SUANMGWG6L5VYTDDF5WZY5O45U6ATFB6RGE4TRWDAVTC6LEG6T3ZXI3WVE"
PUBLIC = b"UDJBBGTQBKU6LHD4LKBGGDIWATU7XY5JVJY4BQEC7CDXBFMUQ5ZY66RE"
SIGNATURE = "063Qk5T8slNocyviEmwb3iNf84rkQPw4Ifq/Agi8ZDTLdP3VL81kG2/OKo3agTQAOF1RDlYvfpe+UIGuIvaXBA=="


def settings(**overrides: Any) -> ctp.Settings:
    env = {"HUB_REGION": "eur", "CTP_TOKEN": "t", **overrides}
    s = ctp.Settings.from_env(env)
    s.request_timeout_s, s.attempts = 0.01, 4
    return s


class FakeNats:
    """Answers requests from a script: a dict is a reply's JSON, an exception is raised (a timeout, no responders)."""

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []

    async def request(self, subject: str, payload: bytes, timeout: float, headers: dict[str, str]) -> Any:
        self.requests.append({"subject": subject, "body": json.loads(payload), "headers": headers})
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return SimpleNamespace(data=json.dumps(step).encode())


def accepted(version: int, created: bool = False, changed: bool = True) -> dict[str, Any]:
    response = {"status": "ACCEPTED", "initiativeId": "IP-HUB-EUR-x", "version": version}
    return {"response": {**response, "created": created, "changed": changed}, "isDisposed": True}


def refused(status: int, field: str = "", rule: str = "", message: str = "") -> dict[str, Any]:
    details = [{"field": field, "rule": rule, "message": message}] if field else []
    return {"err": {"statusCode": status, "error": "E", "message": message, "details": details}, "isDisposed": True}


STALE = refused(412, "If-Match", "currentVersion", "IP-HUB-EUR-x is at version 2, not 1")
CONTENT = {"kind": "MTG", "title": {"lang": "fr", "text": "Atelier re\u0301gional"}, "status": "IMPLEMENTATION"}


class NKeysTest(unittest.TestCase):
    def test_derives_the_public_key_and_signs_the_nonce_as_nats_js_does(self) -> None:
        pair = ctp.NKeyPair(bytearray(SEED + b"\n"))
        self.assertEqual(pair.public_key, PUBLIC)
        self.assertEqual(base64.b64encode(pair.sign(b"nonce-123")).decode(), SIGNATURE)

    def test_refuses_what_is_not_a_seed(self) -> None:
        with self.assertRaises(ValueError):
            ctp.NKeyPair(PUBLIC)  # a public key, not a seed
        broken = SEED[:-3] + (b"AAA" if not SEED.endswith(b"AAA") else b"BBB")
        with self.assertRaises(ValueError):
            ctp.NKeyPair(broken)  # checksum


class NatsOptionsTest(unittest.TestCase):
    def test_anonymous_on_a_development_server_with_its_own_inbox_prefix_all_the_same(self) -> None:
        options = ctp.nats_options(settings())
        self.assertEqual(options["servers"], ["nats://127.0.0.1:4222"])
        self.assertEqual(options["inbox_prefix"], "_INBOX.regional-eur")
        self.assertNotIn("nkeys_seed", options)
        self.assertNotIn("tls", options)

    def test_its_identity_on_a_secured_server(self) -> None:
        options = ctp.nats_options(settings(NATS_NKEY_SEED_FILE="/run/regional-eur.nk", HUB_REGION="afr"))
        self.assertEqual(options["nkeys_seed"], "/run/regional-eur.nk")
        self.assertEqual(options["inbox_prefix"], "_INBOX.regional-afr")
        # nats-py imports `nkeys` to sign: there is one now, the real package or the stand-in.
        self.assertTrue(callable(sys.modules["nkeys"].from_seed))

    def test_needs_a_token(self) -> None:
        with self.assertRaises(SystemExit):
            ctp.Settings.from_env({"HUB_REGION": "eur"})


class UpsertTest(unittest.TestCase):
    def setUp(self) -> None:
        patcher = mock.patch.object(ctp, "backoff_s", lambda _attempt: 0)
        patcher.start()
        self.addCleanup(patcher.stop)
        ctp.QUIET = True

    def upsert(self, nc: FakeNats, expected: int | None = None) -> tuple[ctp.Accepted, int]:
        system = ctp.RegionalSystem(settings(), nc)
        return asyncio.run(system.upsert("x", CONTENT, expected_version=expected, correlation_id="c-1"))

    def test_sends_the_content_with_its_local_id_and_expected_version_on_the_regions_subject(self) -> None:
        nc = FakeNats(accepted(2))
        result, attempts = self.upsert(nc, expected=1)
        self.assertEqual((result.version, result.changed, attempts), (2, True, 1))
        [request] = nc.requests
        self.assertEqual(request["subject"], "ctp-intake.hub.eur.initiatives.upsert")
        self.assertEqual(request["body"], {"localId": "x", **CONTENT, "expectedVersion": 1})
        self.assertEqual(request["headers"], {"X-Correlation-Id": "c-1"})

    def test_retries_a_timeout_and_a_busy_hub_with_the_same_request(self) -> None:
        nc = FakeNats(NatsTimeoutError(), refused(503, message="the hub is busy"), accepted(1, created=True))
        result, attempts = self.upsert(nc)
        self.assertEqual((result.version, result.created, attempts), (1, True, 3))
        self.assertEqual(len({json.dumps(r) for r in nc.requests}), 1)

    def test_does_not_retry_a_refusal_and_names_its_field_and_rule(self) -> None:
        nc = FakeNats(refused(400, "recipientCountries[1]", "isIn", "XX is not a country"))
        with self.assertRaises(ctp.Refused) as caught:
            self.upsert(nc, expected=1)
        self.assertTrue(caught.exception.names("recipientCountries[1]", "isIn"))
        self.assertIn("400", str(caught.exception))
        self.assertEqual(len(nc.requests), 1)

    def test_gives_up_after_its_attempts_saying_nothing_is_known(self) -> None:
        with self.assertRaises(ctp.RetriesExhausted):
            self.upsert(FakeNats(*[NatsTimeoutError()] * 4))

    def test_a_retried_update_that_was_applied_before_its_answer_was_lost_is_not_applied_again(self) -> None:
        # The first attempt timed out but was committed: the retry meets 412, and the hub's record holds our content.
        stored = {"initiativeId": "IP-HUB-EUR-x", "version": 2, **ctp.nfc(CONTENT)}
        nc = FakeNats(NatsTimeoutError(), STALE)
        with mock.patch.object(ctp, "http_with_retries", return_value=(ctp.HttpAnswer(200, stored), 0)) as read:
            result, attempts = self.upsert(nc, expected=1)
        self.assertEqual((result.version, attempts), (2, 2))
        self.assertEqual(read.call_args.args[:2], ("GET", "http://127.0.0.1:3104/initiatives/IP-HUB-EUR-x"))
        self.assertEqual(len(nc.requests), 2)

    def test_a_retried_update_that_meets_someone_elses_change_is_refused(self) -> None:
        stored = {"initiativeId": "IP-HUB-EUR-x", "version": 2, **CONTENT, "status": "CANCELLED"}
        nc = FakeNats(NatsTimeoutError(), STALE)
        with mock.patch.object(ctp, "http_with_retries", return_value=(ctp.HttpAnswer(200, stored), 0)):
            with self.assertRaises(ctp.Refused) as caught:
                self.upsert(nc, expected=1)
        self.assertEqual(caught.exception.status, 412)

    def test_a_first_attempt_that_meets_412_is_refused_without_reading_anything(self) -> None:
        with mock.patch.object(ctp, "http_with_retries") as read:
            with self.assertRaises(ctp.Refused):
                self.upsert(FakeNats(STALE), expected=1)
        read.assert_not_called()


def withdrawn(version: int) -> dict[str, Any]:
    response = {"status": "ACCEPTED", "initiativeId": "IP-HUB-EUR-x", "version": version}
    return {"response": {**response, "withdrawnAt": "2026-12-03T07:00:00.000Z"}, "isDisposed": True}


ALREADY_WITHDRAWN = refused(409, "initiativeId", "notWithdrawn", "IP-HUB-EUR-x was withdrawn and cannot be changed")


class WithdrawTest(unittest.TestCase):
    def setUp(self) -> None:
        patcher = mock.patch.object(ctp, "backoff_s", lambda _attempt: 0)
        patcher.start()
        self.addCleanup(patcher.stop)
        ctp.QUIET = True

    def withdraw(self, nc: FakeNats) -> tuple[int, int]:
        system = ctp.RegionalSystem(settings(), nc)
        return asyncio.run(system.withdraw("IP-HUB-EUR-x", "wrong", 2, correlation_id="c-2"))

    def test_sends_the_id_the_reason_and_the_expected_version_on_the_regions_withdraw_subject(self) -> None:
        nc = FakeNats(withdrawn(3))
        self.assertEqual(self.withdraw(nc), (3, 1))
        [request] = nc.requests
        self.assertEqual(request["subject"], "ctp-intake.hub.eur.initiatives.withdraw")
        self.assertEqual(request["body"], {"initiativeId": "IP-HUB-EUR-x", "reason": "wrong", "expectedVersion": 2})
        self.assertEqual(request["headers"], {"X-Correlation-Id": "c-2"})

    def test_retries_a_timeout_and_a_busy_hub_with_the_same_request(self) -> None:
        nc = FakeNats(NatsTimeoutError(), refused(503, message="the hub is busy"), withdrawn(3))
        self.assertEqual(self.withdraw(nc), (3, 3))
        self.assertEqual(len({json.dumps(r) for r in nc.requests}), 1)

    def test_a_retry_after_an_applied_withdrawal_finds_it_done(self) -> None:
        # The first attempt timed out but was committed: the retry meets 409, and the record is withdrawn for our reason.
        stored = ctp.HttpAnswer(200, {"version": 3, "withdrawal": {"reason": "wrong"}})
        with mock.patch.object(ctp, "http_with_retries", return_value=(stored, 0)) as read:
            self.assertEqual(self.withdraw(FakeNats(NatsTimeoutError(), ALREADY_WITHDRAWN)), (3, 2))
        self.assertEqual(read.call_args.args[:2], ("GET", "http://127.0.0.1:3104/initiatives/IP-HUB-EUR-x"))

    def test_a_retry_that_meets_someone_elses_withdrawal_is_refused(self) -> None:
        stored = ctp.HttpAnswer(200, {"version": 3, "withdrawal": {"reason": "another reason"}})
        with mock.patch.object(ctp, "http_with_retries", return_value=(stored, 0)):
            with self.assertRaises(ctp.Refused) as caught:
                self.withdraw(FakeNats(NatsTimeoutError(), ALREADY_WITHDRAWN))
        self.assertEqual(caught.exception.status, 409)

    def test_a_first_attempt_on_a_withdrawn_record_is_refused_without_reading_anything(self) -> None:
        with mock.patch.object(ctp, "http_with_retries") as read:
            with self.assertRaises(ctp.Refused) as caught:
                self.withdraw(FakeNats(ALREADY_WITHDRAWN))
        self.assertTrue(caught.exception.names("initiativeId", "notWithdrawn"))
        read.assert_not_called()

    def test_a_stale_version_is_refused_naming_the_precondition(self) -> None:
        with self.assertRaises(ctp.Refused) as caught:
            self.withdraw(FakeNats(STALE))
        self.assertEqual(caught.exception.status, 412)
        self.assertTrue(caught.exception.names("If-Match", "currentVersion"))


if __name__ == "__main__":
    unittest.main()
