"""WhatsApp stand-ins for benchmarks: signed webhook payloads and a stub Graph API.

python -m benchmarks._whatsapp --port N

The stub answers POST /{version}/{phone_id}/messages like graph.facebook.com and records each
message sent (not the read receipts) with its recipient and arrival time on the machine's
monotonic clock (CLOCK_MONOTONIC: comparable across processes); GET /recorded returns them.
It runs in its own process so that the load generator's timings are not disturbed by it.
"""

from __future__ import annotations

import argparse
import json
import socket
import time
from typing import Any

from fastapi import FastAPI, Request

from api.whatsapp.signature import sign

APP_SECRET = "bench-app-secret"
PHONE_NUMBER_ID = "106540352242922"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def text_message(wa_id: str, text: str, message_id: str) -> dict[str, Any]:
    """A text message as Meta delivers it to the webhook."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": "Cliente"}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "id": message_id,
                "timestamp": str(int(time.time())),
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}],
    }


def signed(payload: dict[str, Any], secret: str = APP_SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"X-Hub-Signature-256": sign(body, secret), "Content-Type": "application/json"}


def stub_graph_api() -> Any:
    """graph.facebook.com's messages endpoint; GET /recorded lists what was sent, and when."""
    app = FastAPI()
    recorded: list[dict[str, Any]] = []
    reads = [0]

    @app.post("/{version}/{phone_id}/messages")
    async def messages(version: str, phone_id: str, request: Request) -> dict[str, Any]:
        at = time.monotonic()
        body = await request.json()
        if body.get("status") == "read":
            reads[0] += 1
            return {"success": True}
        recorded.append({"to": body.get("to"), "type": body.get("type"), "at": at})
        return {"messages": [{"id": f"wamid.stub.{len(recorded)}"}]}

    @app.get("/recorded")
    def recorded_messages() -> dict[str, Any]:
        return {"messages": recorded, "reads": reads[0]}

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(stub_graph_api(), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
