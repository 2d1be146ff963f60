"""Real Meta webhook payload shapes, for tests."""

from __future__ import annotations

import json
import time
from typing import Any

from api.whatsapp.signature import sign

APP_SECRET = "test-app-secret"
PHONE_NUMBER_ID = "106540352242922"


def envelope(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }


def text_message(wa_id: str, text: str, message_id: str) -> dict[str, Any]:
    return envelope(
        {
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
    )


def button_reply(wa_id: str, button_id: str, title: str, message_id: str) -> dict[str, Any]:
    return envelope(
        {
            "contacts": [{"profile": {"name": "Cliente"}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": message_id,
                    "timestamp": str(int(time.time())),
                    "type": "interactive",
                    "interactive": {
                        "type": "button_reply",
                        "button_reply": {"id": button_id, "title": title},
                    },
                }
            ],
        }
    )


def sticker(wa_id: str, message_id: str) -> dict[str, Any]:
    return envelope(
        {
            "contacts": [{"profile": {"name": "Cliente"}, "wa_id": wa_id}],
            "messages": [
                {
                    "from": wa_id,
                    "id": message_id,
                    "timestamp": str(int(time.time())),
                    "type": "sticker",
                    "sticker": {"id": "1234", "mime_type": "image/webp"},
                }
            ],
        }
    )


def status(wamid: str, state: str, recipient: str) -> dict[str, Any]:
    return envelope(
        {
            "statuses": [
                {
                    "id": wamid,
                    "status": state,
                    "recipient_id": recipient,
                    "timestamp": str(int(time.time())),
                }
            ]
        }
    )


def signed(payload: dict[str, Any], secret: str = APP_SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"X-Hub-Signature-256": sign(body, secret), "Content-Type": "application/json"}
