"""No secret, token, phone number or customer text in any log record: a scripted session
through the real app served by uvicorn as `sportello serve` runs it (same uvicorn config,
same logging set-up, DEBUG), every record of every logger captured and searched."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.cli import uvicorn_config
from api.whatsapp.signature import sign
from knowledge.logs import NOISY_LOGGERS, StructuredFormatter, configure_logging, secrets_of
from knowledge.settings import Settings
from tests.conftest import DEMO_NOW
from tests.whatsapp_payloads import PHONE_NUMBER_ID, text_message

VERIFY_TOKEN = "verify-Tq83kLw0"
CHALLENGE = "challenge-5527183"
APP_SECRET = "appsecret-Hs72nXq"
ACCESS_TOKEN = "EAAGaccess7Yp2Lm"
OPERATOR_TOKEN = "op-bearer-V3nTx9"
PHONE = "393331234567"
SENTENCE = "vorrei pagare a rate la bolletta del gas, sono in difficoltà questo mese"
CUSTOMER_CODE = "LM00010001"
OTP = "482915"
FORBIDDEN = {
    "verify token": VERIFY_TOKEN,
    "hub.challenge": CHALLENGE,
    "app secret": APP_SECRET,
    "access token": ACCESS_TOKEN,
    "operator token": OPERATOR_TOKEN,
    "phone number": PHONE,
    "phone number (international)": "+39 333 1234567",
    "phone number (national)": "3331234567",
    "customer text": SENTENCE,
    "customer text (part)": "sono in difficoltà",
    "customer code": CUSTOMER_CODE,
    "one-time code": OTP,
}


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def captured_logs() -> Iterator[Capture]:
    """Logging exactly as `sportello` sets it up (at DEBUG), plus a handler that keeps every
    record; the previous configuration is restored afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    noisy = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    capture = Capture()
    # As in a fresh `sportello serve` process: another test's uvicorn (default log config)
    # may have given uvicorn's loggers their own handlers and stopped their propagation.
    uvicorn_loggers = [logging.getLogger(n) for n in ("uvicorn", "uvicorn.access", "uvicorn.error")]
    uvicorn_saved = [(lg.handlers[:], lg.propagate, lg.disabled) for lg in uvicorn_loggers]
    for lg in uvicorn_loggers:
        lg.handlers.clear()
        lg.propagate, lg.disabled = True, False
    settings = Settings(_env_file=None)  # the secrets are registered by create_app below
    configure_logging("DEBUG", sensitive=False, secrets=secrets_of(settings))
    root.addHandler(capture)
    yield capture
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    for lg, (handlers, propagate, disabled) in zip(uvicorn_loggers, uvicorn_saved, strict=True):
        lg.handlers[:], lg.propagate, lg.disabled = handlers, propagate, disabled
    for name, level in noisy.items():
        logging.getLogger(name).setLevel(level)


class CloudApi:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
        if request.url.path.endswith("/media"):
            return httpx.Response(200, json={"id": "media-1"})
        body = json.loads(request.content)
        if body.get("status") == "read":
            return httpx.Response(200, json={"success": True})
        self.messages.append(body)
        return httpx.Response(200, json={"messages": [{"id": f"wamid.out.{len(self.messages)}"}]})


def serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    server = uvicorn.Server(uvicorn_config(app, "127.0.0.1", 0))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    standard = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}
    return {k: v for k, v in vars(record).items() if k not in standard}


def test_a_whole_session_leaves_no_secret_or_customer_data_in_the_logs(
    captured_logs: Capture, runtime_dir: Path, classifier: Any
) -> None:
    assert classifier.matrix.size
    settings = Settings(
        _env_file=None,
        sportello_data_dir=runtime_dir,
        sportello_env="demo",  # type: ignore[call-arg]
        sportello_clock_start=DEMO_NOW,
        otp_fixed_code=OTP,
        whatsapp_verify_token=VERIFY_TOKEN,
        whatsapp_app_secret=APP_SECRET,
        whatsapp_access_token=ACCESS_TOKEN,
        whatsapp_phone_number_id=PHONE_NUMBER_ID,
        whatsapp_debounce_seconds=0,
        whatsapp_pair_interval_seconds=0,
        operator_tokens=f"anna:{OPERATOR_TOKEN}",
        log_level="DEBUG",
    )
    cloud = CloudApi()
    app = create_app(settings, whatsapp_transport=httpx.MockTransport(cloud.handle))
    server, thread, url = serve(app)
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            handshake = http.get(
                "/webhooks/whatsapp",
                params={
                    "hub.mode": "subscribe",
                    "hub.verify_token": VERIFY_TOKEN,
                    "hub.challenge": CHALLENGE,
                },
            )
            assert handshake.status_code == 200 and handshake.text == CHALLENGE
            for i, text in enumerate((SENTENCE, CUSTOMER_CODE, OTP), start=1):
                body = json.dumps(text_message(PHONE, text, f"wamid.session.{i}")).encode()
                delivered = http.post(
                    "/webhooks/whatsapp",
                    content=body,
                    headers={
                        "X-Hub-Signature-256": sign(body, APP_SECRET),
                        "Content-Type": "application/json",
                    },
                )
                assert delivered.status_code == 200, delivered.text
                deadline = time.monotonic() + 60
                while len(cloud.messages) < i and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert len(cloud.messages) >= i, "the worker did not answer"
            forged = http.post(
                "/webhooks/whatsapp", content=body, headers={"X-Hub-Signature-256": "x"}
            )
            assert forged.status_code == 401
            bearer = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
            assert http.get("/v1/operators/queue", headers=bearer).status_code == 200
            assert http.get("/v1/whatsapp/dead-letters", headers=bearer).status_code == 200
            assert http.get("/v1/kpis", headers=bearer).status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)

    records = captured_logs.records
    access = [r.getMessage() for r in records if r.name == "uvicorn.access"]
    assert any("/webhooks/whatsapp" in line for line in access), "no access log captured"
    assert any(r.getMessage() == "webhook stored" for r in records)
    formatter = StructuredFormatter()
    leaks = []
    for record in records:
        shown = "\n".join(
            [
                record.getMessage(),
                repr(record.args),
                repr(fields_of(record)),
                record.exc_text or "",
                record.stack_info or "",
                formatter.format(record),
            ]
        )
        leaks += [
            f"{what} in {record.name}: {record.getMessage()[:120]!r}"
            for what, value in FORBIDDEN.items()
            if value in shown
        ]
    assert leaks == [], "\n".join(leaks)
