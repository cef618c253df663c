#!/usr/bin/env python3
"""A regional hub system in Python: reports, updates and withdraws one initiative, and reads what the platform made of
each change.

    python3 -m pip install -r examples/python/requirements.txt
    CTP_TOKEN=$(npm run -s token -- --org IP-HUB-EUR --scope "initiatives:read registry:read") \
      HUB_REGION=eur python3 examples/python/ctp_regional_client.py

1. Report: an upsert request on `ctp-intake.hub.<region>.initiatives.upsert` (NATS request/reply). The hub answers once
   the change is committed: `{"response": {"status": "ACCEPTED", "initiativeId", "version", "created", "changed"}}`,
   or `{"err": {"statusCode", "error", "message", "details": [{"field", "rule", "message"}]}}`.
2. Update: the same subject with the whole new content and `expectedVersion` (the version the hub gave back), so the
   change applies only to the version it was made from (412 otherwise).
3. Withdraw: a withdrawal request on `ctp-intake.hub.<region>.initiatives.withdraw` (NATS request/reply) with the
   `initiativeId`, a `reason` and `expectedVersion` (412 otherwise); the hub answers once it is committed:
   `{"response": {"status": "ACCEPTED", "initiativeId", "version", "withdrawnAt"}}`, or `{"err": …}` as above.
After each step: poll the platform's `GET /initiatives/<id>` until it holds that version, then `GET /events/<source>/
<event id>` for its outcome (APPLIED, or IGNORED/REJECTED/DEAD_LETTERED with the reason).

Retries never apply a change twice: an upsert says "this is the initiative now", so re-sending the same content changes
nothing (`changed: false`); an update re-sent after its first attempt was applied meets 412, and is then found already
in place by reading the record (the hub's REST API); a withdrawal re-sent after it was applied meets 409 `notWithdrawn`,
and likewise.

Settings (environment):
  HUB_REGION            afr | mde | asi | eur (default eur)
  NATS_URL              default nats://127.0.0.1:4222
  NATS_NKEY_SEED_FILE   the system's identity regional-<region> on a secured server (nkeys/regional-<region>.nk from
                        `npm run nats:identities`), or NATS_CREDS_FILE (a JWT .creds file). None: anonymous (dev).
  NATS_TLS_CA_FILE, NATS_TLS_CERT_FILE, NATS_TLS_KEY_FILE
                        TLS: the deployment's CA and the system's client certificate (tls/regional-<region>.pem, .key)
  CTP_HUB_URL           the hub's HTTP API, read only to check a change whose answer was lost (default
                        http://127.0.0.1:310x for the region). Every change goes over NATS intake.
  CTP_PLATFORM_URL      the platform's HTTP API (default http://127.0.0.1:3000)
  CTP_TOKEN             a bearer token of the hub's organisation IP-HUB-<REGION> with the scopes initiatives:read
                        (hub) and registry:read (platform); or CTP_HUB_TOKEN and CTP_PLATFORM_TOKEN
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import logging
import os
import ssl
import sys
import time
import types
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError

HUB_PORTS = {"afr": 3101, "mde": 3102, "asi": 3103, "eur": 3104}


# ----------------------------------------------------------------------------------------------------------------------
# Settings
# ----------------------------------------------------------------------------------------------------------------------


@dataclass
class Settings:
    region: str
    nats_url: str
    seed_file: str | None
    creds_file: str | None
    tls_ca: str | None
    tls_cert: str | None
    tls_key: str | None
    hub_url: str
    platform_url: str
    hub_token: str
    platform_token: str
    request_timeout_s: float = 15.0
    attempts: int = 5
    platform_timeout_s: float = 60.0

    @staticmethod
    def from_env(env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        region = env.get("HUB_REGION", "eur")
        if region not in HUB_PORTS:
            raise SystemExit(f"HUB_REGION must be one of {', '.join(HUB_PORTS)}, not {region!r}")
        token = env.get("CTP_TOKEN", "")
        settings = Settings(
            region=region,
            nats_url=env.get("NATS_URL", "nats://127.0.0.1:4222"),
            seed_file=env.get("NATS_NKEY_SEED_FILE") or None,
            creds_file=env.get("NATS_CREDS_FILE") or None,
            tls_ca=env.get("NATS_TLS_CA_FILE") or None,
            tls_cert=env.get("NATS_TLS_CERT_FILE") or None,
            tls_key=env.get("NATS_TLS_KEY_FILE") or None,
            hub_url=env.get("CTP_HUB_URL", f"http://127.0.0.1:{HUB_PORTS[region]}").rstrip("/"),
            platform_url=env.get("CTP_PLATFORM_URL", "http://127.0.0.1:3000").rstrip("/"),
            hub_token=env.get("CTP_HUB_TOKEN", token),
            platform_token=env.get("CTP_PLATFORM_TOKEN", token),
        )
        missing = [
            n
            for n, v in (("CTP_HUB_TOKEN", settings.hub_token), ("CTP_PLATFORM_TOKEN", settings.platform_token))
            if not v
        ]
        if missing:
            raise SystemExit(
                f"no bearer token: set CTP_TOKEN (or {' and '.join(missing)}); see `npm run token -- --help`"
            )
        return settings

    @property
    def identity(self) -> str:
        return f"regional-{self.region}"


# ----------------------------------------------------------------------------------------------------------------------
# The NATS identity: an nkey seed (or a .creds file) and a client certificate
# ----------------------------------------------------------------------------------------------------------------------


def _crc16(data: bytes) -> int:
    """CRC-16/XMODEM, the checksum at the end of every nkey."""
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


class NKeyPair:
    """A user nkey from its seed ("SU…"): what nats-py asks of the `nkeys` package, over PyNaCl's Ed25519."""

    def __init__(self, seed: bytes | bytearray) -> None:
        from nacl.signing import SigningKey  # PyNaCl

        text = bytes(seed).strip().decode("ascii")
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
        payload, checksum = raw[:-2], int.from_bytes(raw[-2:], "little")
        if len(payload) != 34 or _crc16(payload) != checksum or payload[0] & 0xF8 != 18 << 3:
            raise ValueError("not an nkey seed (it should start with S and be 58 characters)")
        kind = ((payload[0] & 0x07) << 5) | (payload[1] >> 3)
        self._key = SigningKey(payload[2:34])
        public = bytes([kind]) + self._key.verify_key.encode()
        self.public_key = base64.b32encode(public + _crc16(public).to_bytes(2, "little")).rstrip(b"=")

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data).signature

    def wipe(self) -> None:
        self._key = None  # type: ignore[assignment]


def ensure_nkeys_module() -> None:
    """nats-py signs the server's nonce with the `nkeys` package (`pip install 'nats-py[nkeys]'`). Where that package
    is not available, NKeyPair above stands in for it: `nkeys.from_seed(seed)` is all nats-py calls."""
    try:
        import nkeys  # noqa: F401
    except ImportError:
        stand_in = types.ModuleType("nkeys")
        stand_in.from_seed = NKeyPair  # type: ignore[attr-defined]
        stand_in.KeyPair = NKeyPair  # type: ignore[attr-defined]
        sys.modules["nkeys"] = stand_in


def nats_options(s: Settings) -> dict[str, Any]:
    """The connection of a regional system: anonymous on a development server, its own identity on a secured one."""
    options: dict[str, Any] = {
        "servers": [s.nats_url],
        "name": f"{s.identity}-python",
        # Replies come under the system's own inbox prefix: on a secured server the only one it may subscribe to.
        "inbox_prefix": f"_INBOX.{s.identity}",
        "connect_timeout": 5,
        "max_reconnect_attempts": 5,
        "reconnect_time_wait": 1,
    }
    if s.seed_file or s.creds_file:
        ensure_nkeys_module()
    if s.seed_file:
        options["nkeys_seed"] = s.seed_file
    elif s.creds_file:
        options["user_credentials"] = s.creds_file
    if s.tls_ca:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=s.tls_ca)
        if s.tls_cert:
            context.load_cert_chain(s.tls_cert, s.tls_key)
        options["tls"] = context
    return options


# ----------------------------------------------------------------------------------------------------------------------
# What the hub and the platform answer
# ----------------------------------------------------------------------------------------------------------------------


@dataclass
class Accepted:
    initiative_id: str
    version: int
    created: bool
    changed: bool


class Refused(Exception):
    """The hub (or the platform) refused the change: it can never succeed as sent. Nothing was stored."""

    def __init__(self, body: dict[str, Any], attempts: int = 1, after_timeout: bool = False) -> None:
        # Which attempt was refused, and whether an earlier one timed out (so may have been applied after all).
        self.attempts, self.after_timeout = attempts, after_timeout
        self.status: int = body.get("statusCode", 0)
        self.error: str = body.get("error", "")
        self.details: list[dict[str, str]] = body.get("details") or []
        problems = "; ".join(f"{d.get('field')} [{d.get('rule')}]: {d.get('message')}" for d in self.details)
        super().__init__(f"{self.status} {self.error}: {problems or body.get('message', '')}")

    def names(self, field_name: str, rule: str) -> bool:
        return any(d.get("field") == field_name and d.get("rule") == rule for d in self.details)


class RetriesExhausted(Exception):
    """Every attempt timed out or was answered 'retry later': the change may or may not be in; run again later."""


class CannotConnect(Exception):
    """NATS refused the connection (credentials, certificate) or nothing answered at NATS_URL."""


class NotApplied(Exception):
    """The platform received the change but did not apply it (IGNORED, REJECTED or DEAD_LETTERED, with the reason)."""


def backoff_s(attempt: int) -> float:
    return min(0.5 * 2**attempt, 8.0)


def nfc(value: Any) -> Any:
    """The hub stores text in Unicode NFC: compare what we sent with what it holds in the same form."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, dict):
        return {k: nfc(v) for k, v in value.items()}
    return value


def holds(snapshot: dict[str, Any], content: dict[str, Any]) -> bool:
    """Whether the stored record already has every field of `content` as sent."""
    return all(snapshot.get(k) == nfc(v) for k, v in content.items())


# ----------------------------------------------------------------------------------------------------------------------
# HTTP (reads at the hub after a lost answer, the platform's registry): urllib only
# ----------------------------------------------------------------------------------------------------------------------


@dataclass
class HttpAnswer:
    status: int
    body: Any
    retry_after_s: float | None = None


def http(method: str, url: str, token: str, body: Any = None, headers: dict[str, str] | None = None) -> HttpAnswer:
    request = urllib.request.Request(url, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Accept", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, data=data, timeout=10) as response:
            status, raw, retry_after = response.status, response.read(), None
    except urllib.error.HTTPError as error:
        status, raw, retry_after = error.code, error.read(), error.headers.get("Retry-After")
    text = raw.decode("utf-8") if raw else ""
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return HttpAnswer(status, parsed, float(retry_after) if retry_after and retry_after.isdigit() else None)


def http_with_retries(method: str, url: str, token: str, attempts: int, **kwargs: Any) -> tuple[HttpAnswer, int]:
    """One HTTP call, retried on network errors, 429 (after Retry-After), 502, 503 and 504. Returns the answer and the
    attempt it came from (0: the first), so the caller knows whether an earlier attempt may have been applied."""
    for attempt in range(attempts):
        try:
            answer = http(method, url, token, **kwargs)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            say(f"  {method} {url}: {error}; retrying")
            time.sleep(backoff_s(attempt))
            continue
        if answer.status in (429, 502, 503, 504) and attempt + 1 < attempts:
            wait = answer.retry_after_s if answer.retry_after_s is not None else backoff_s(attempt)
            say(f"  {method} {url}: {answer.status}, retrying in {wait:g} s")
            time.sleep(wait)
            continue
        return answer, attempt
    raise RetriesExhausted(f"{method} {url}: no answer after {attempts} attempts")


# ----------------------------------------------------------------------------------------------------------------------
# The regional system
# ----------------------------------------------------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    version: int
    event_id: str = ""
    event_type: str = ""
    outcome: str = ""
    attempts: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


class RegionalSystem:
    def __init__(self, settings: Settings, nc: Any) -> None:
        self.s = settings
        self.nc = nc
        self.upsert_subject = f"ctp-intake.hub.{settings.region}.initiatives.upsert"
        self.withdraw_subject = f"ctp-intake.hub.{settings.region}.initiatives.withdraw"

    # --- NATS intake: request/reply --------------------------------------------------------------------------------

    async def _send(self, subject: str, body: dict[str, Any], correlation_id: str) -> tuple[dict[str, Any], int]:
        """One intake request, sent again after a timeout, no responders or 503 (the same bytes each time) until the hub
        answers. Returns the reply's `response` with the number of attempts; raises Refused with the hub's `err`."""
        payload = json.dumps(body).encode("utf-8")
        # One correlation id for every attempt: a grep for it finds the hub's lines and the platform's event.
        headers = {"X-Correlation-Id": correlation_id or f"py-{uuid.uuid4()}"}
        retried = False
        for attempt in range(self.s.attempts):
            if attempt:
                await asyncio.sleep(backoff_s(attempt - 1))
            try:
                msg = await self.nc.request(subject, payload, timeout=self.s.request_timeout_s, headers=headers)
            except NatsTimeoutError:
                # The hub may have applied it and its answer got lost: the caller finds out, without re-applying.
                say(f"  no answer within {self.s.request_timeout_s:g} s (attempt {attempt + 1}); retrying")
                retried = True
                continue
            except NoRespondersError:
                say(f"  no hub listens on {subject} (attempt {attempt + 1}); retrying")
                continue
            reply = json.loads(msg.data)
            if "response" in reply:
                return reply["response"], attempt + 1
            err = reply.get("err") or {}
            if err.get("statusCode") == 503:
                say(f"  hub busy: {err.get('message')} (attempt {attempt + 1}); retrying")
                continue
            raise Refused(err, attempts=attempt + 1, after_timeout=retried)
        raise RetriesExhausted(f"{subject}: no answer after {self.s.attempts} attempts; nothing is known")

    async def upsert(
        self, local_id: str, content: dict[str, Any], expected_version: int | None = None, correlation_id: str = ""
    ) -> tuple[Accepted, int]:
        """Reports or replaces `local_id` and waits for the hub's answer. Returns it with the number of attempts."""
        body: dict[str, Any] = {"localId": local_id, **content}
        if expected_version is not None:
            body["expectedVersion"] = expected_version
        try:
            r, attempts = await self._send(self.upsert_subject, body, correlation_id)
        except Refused as refused:
            if refused.after_timeout and expected_version is not None and refused.names("If-Match", "currentVersion"):
                # An earlier attempt that timed out was applied after all: the record moved on. Is it ours?
                mine = self._already_in_place(local_id, content, expected_version)
                if mine:
                    return mine, refused.attempts
            raise
        return Accepted(r["initiativeId"], r["version"], r["created"], r["changed"]), attempts

    async def withdraw(
        self, initiative_id: str, reason: str, expected_version: int, correlation_id: str = ""
    ) -> tuple[int, int]:
        """Withdraws the record (reported in error: it leaves every count, for good), only if it is still at
        `expected_version`. Returns the version the withdrawal made, and the number of attempts."""
        body = {"initiativeId": initiative_id, "reason": reason, "expectedVersion": expected_version}
        try:
            r, attempts = await self._send(self.withdraw_subject, body, correlation_id)
        except Refused as refused:
            if refused.after_timeout and refused.names("initiativeId", "notWithdrawn"):
                # An earlier attempt that timed out was applied: the record is withdrawn. With our reason?
                done = self._already_withdrawn(initiative_id, reason)
                if done:
                    return done, refused.attempts
            raise
        return r["version"], attempts

    def _already_in_place(self, local_id: str, content: dict[str, Any], expected_version: int) -> Accepted | None:
        initiative_id = f"IP-HUB-{self.s.region.upper()}-{local_id}"
        answer, _ = http_with_retries(
            "GET", self._hub(f"/initiatives/{initiative_id}"), self.s.hub_token, self.s.attempts
        )
        if answer.status == 200 and answer.body["version"] > expected_version and holds(answer.body, content):
            say(f"  the hub already holds this change at version {answer.body['version']}: not sent again")
            return Accepted(initiative_id, answer.body["version"], created=False, changed=True)
        return None

    def _already_withdrawn(self, initiative_id: str, reason: str) -> int | None:
        stored, _ = http_with_retries(
            "GET",
            self._hub(f"/initiatives/{urllib.parse.quote(initiative_id, safe='')}"),
            self.s.hub_token,
            self.s.attempts,
        )
        record = stored.body if isinstance(stored.body, dict) else {}
        withdrawal = record.get("withdrawal") or {}
        if stored.status == 200 and withdrawal.get("reason") == nfc(reason.strip()):
            say(f"  already withdrawn by an earlier attempt, at version {stored.body['version']}")
            return int(stored.body["version"])
        return None

    def _hub(self, path: str) -> str:
        return f"{self.s.hub_url}{path}"

    # --- The platform: what became of each change -------------------------------------------------------------------

    def platform_outcome(self, initiative_id: str, version: int) -> dict[str, Any]:
        """Waits until the platform holds `version` of the record, then reads the outcome of the event behind it."""
        deadline = time.monotonic() + self.s.platform_timeout_s
        url = f"{self.s.platform_url}/initiatives/{urllib.parse.quote(initiative_id, safe='')}"
        last = "no answer yet"
        while time.monotonic() < deadline:
            try:
                answer = http("GET", url, self.s.platform_token)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                answer, last = None, str(error)
            if answer and answer.status == 200 and answer.body["version"] >= version:
                record = answer.body
                entry = next((v for v in record["versions"] if v["version"] == version), None)
                if entry is None:
                    raise NotApplied(f"the platform holds version {record['version']} without version {version}")
                source = urllib.parse.quote(record["source"], safe="")
                event, _ = http_with_retries(
                    "GET",
                    f"{self.s.platform_url}/events/{source}/{entry['eventId']}",
                    self.s.platform_token,
                    self.s.attempts,
                )
                if event.status != 200:
                    raise Refused(event.body if isinstance(event.body, dict) else {"statusCode": event.status})
                return {"record": record, "event": event.body, "entry": entry}
            if answer and answer.status not in (200, 404, 429, 503):
                raise Refused(answer.body if isinstance(answer.body, dict) else {"statusCode": answer.status})
            if answer:
                last = f"{answer.status}" + (f", at version {answer.body['version']}" if answer.status == 200 else "")
            time.sleep(answer.retry_after_s if answer and answer.retry_after_s else 0.25)
        raise RetriesExhausted(
            f"the platform did not hold version {version} of {initiative_id} within {self.s.platform_timeout_s:g} s "
            f"({last}): the event may have been rejected; see the platform's log or GET /events"
        )


# ----------------------------------------------------------------------------------------------------------------------
# The walk-through: report, a refused change, update, withdraw; the platform's outcome of each
# ----------------------------------------------------------------------------------------------------------------------


def example_content() -> dict[str, Any]:
    return {
        "kind": "MTG",
        "title": {"lang": "en", "text": "Regional workshop on foreign terrorist fighters travel"},
        "titleAlt": [
            {"lang": "fr", "text": "Atelier régional sur les déplacements des combattants terroristes étrangers"}
        ],
        "actionStreams": {"primary": "TRAVEL_MOBILITY", "secondary": ["IDENTIFICATION"]},
        "status": "PIPELINE",
        "dates": {"plannedStart": "2027-05-10", "plannedEnd": "2027-05-12"},
        "scope": "REGIONAL",
        "recipientCountries": ["FR", "BE", "NL"],
        "visibility": "PARTNER_SHAREABLE",
    }


QUIET = False


def say(line: str) -> None:
    if not QUIET:
        print(line, flush=True)


async def run(settings: Settings, local_id: str) -> dict[str, Any]:
    # At close over TLS, asyncio says it cannot keep a half-closed TLS connection open as nats-py asks: harmless.
    logging.getLogger("asyncio").addFilter(lambda record: "eof_received" not in record.getMessage())
    who = settings.identity if (settings.seed_file or settings.creds_file) else "anonymous"
    try:
        nc = await nats.connect(**nats_options(settings), error_cb=_nats_error)
    except Exception as error:  # refused credentials, TLS, nothing listening: nats-py raises several kinds
        raise CannotConnect(f"cannot connect to {settings.nats_url} as {who}: {error!r}") from error
    say(f"connected to {settings.nats_url} as {who}{' over TLS' if settings.tls_ca else ''}")
    system = RegionalSystem(settings, nc)
    steps: list[Step] = []

    def outcome(step: Step, initiative_id: str) -> None:
        fate = system.platform_outcome(initiative_id, step.version)
        step.event_id, step.event_type = fate["entry"]["eventId"], fate["entry"]["eventType"]
        step.outcome = fate["event"]["outcome"]
        step.extra["withdrawn"] = fate["record"]["withdrawn"]
        say(f"  platform: version {step.version} {step.outcome} ({step.event_type}, event {step.event_id})")
        if step.outcome != "APPLIED":
            raise NotApplied(f"version {step.version}: {step.outcome} {fate['event'].get('reason')}")
        steps.append(step)

    try:
        content = example_content()
        say(f"1. report {local_id} on {system.upsert_subject}")
        report, attempts = await system.upsert(local_id, content, correlation_id=f"py-{local_id}-report")
        say(f"  → ACCEPTED {report.initiative_id} version {report.version} (created: {report.created})")
        initiative_id = report.initiative_id
        outcome(Step("report", report.version, attempts=attempts), initiative_id)

        say("2. a change the hub refuses: an unknown country")
        try:
            await system.upsert(
                local_id, {**content, "recipientCountries": ["FR", "XX"]}, expected_version=report.version
            )
            raise AssertionError("the hub accepted an unknown country")
        except Refused as refused:
            say(f"  → refused {refused}")
            refusal = {"statusCode": refused.status, "details": refused.details}

        say(f"3. update: in implementation since yesterday, on version {report.version} only")
        started = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
        updated_content = {**content, "status": "IMPLEMENTATION", "dates": {**content["dates"], "actualStart": started}}
        update, attempts = await system.upsert(
            local_id, updated_content, expected_version=report.version, correlation_id=f"py-{local_id}-update"
        )
        say(f"  → ACCEPTED version {update.version} (changed: {update.changed})")
        outcome(Step("update", update.version, attempts=attempts), initiative_id)

        say(f"4. withdraw {initiative_id} on {system.withdraw_subject}, on version {update.version} only")
        version, attempts = await system.withdraw(
            initiative_id,
            "reported in error: a test of the Python client",
            update.version,
            correlation_id=f"py-{local_id}-withdraw",
        )
        say(f"  → withdrawn at version {version}")
        outcome(Step("withdraw", version, attempts=attempts), initiative_id)
        if not steps[-1].extra["withdrawn"]:
            raise AssertionError("the platform applied the withdrawal but does not show the record withdrawn")
    finally:
        await nc.drain()

    return {
        "initiativeId": initiative_id,
        "refused": refusal,
        "steps": [
            {
                "step": s.name,
                "version": s.version,
                "eventId": s.event_id,
                "eventType": s.event_type,
                "outcome": s.outcome,
                "attempts": s.attempts,
                "withdrawn": s.extra["withdrawn"],
            }
            for s in steps
        ],
    }


async def _nats_error(error: Exception) -> None:
    # Permission violations (a subject or an inbox this identity may not use) arrive here, not as the request's error.
    print(f"NATS error: {error}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    global QUIET
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--local-id",
        default=f"py-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}",
        help="your own id for the initiative (a withdrawn one can never be reported again)",
    )
    parser.add_argument("--json", action="store_true", help="print only a JSON summary of the steps")
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=15.0,
        help="seconds to wait for the hub's answer before retrying (default 15: above the hub's own "
        "10 s queue wait, after which it answers 503)",
    )
    parser.add_argument("--attempts", type=int, default=5)
    parser.add_argument("--platform-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    QUIET = args.json
    settings = Settings.from_env()
    settings.request_timeout_s, settings.attempts = args.request_timeout, args.attempts
    settings.platform_timeout_s = args.platform_timeout
    try:
        summary = asyncio.run(run(settings, args.local_id))
    except (CannotConnect, Refused, RetriesExhausted, NotApplied) as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(
        json.dumps(summary)
        if args.json
        else "done: reported, updated and withdrawn; each change APPLIED on the platform"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
