"""Meta's webhook payloads (entry[].changes[].value) and what Sportello takes from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Contact(_Open):
    wa_id: str | None = None
    user_id: str | None = None  # business-scoped user id: present even when the number is hidden
    profile: dict[str, Any] = Field(default_factory=dict)


class Message(_Open):
    id: str
    type: str
    timestamp: str | None = None
    from_: str | None = Field(default=None, alias="from")
    user_id: str | None = None
    text: dict[str, Any] | None = None
    interactive: dict[str, Any] | None = None
    button: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    image: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    reaction: dict[str, Any] | None = None


class Status(_Open):
    id: str
    status: str
    recipient_id: str | None = None
    timestamp: str | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)


class Value(_Open):
    messaging_product: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    contacts: list[Contact] = Field(default_factory=list)
    messages: list[Message] = Field(default_factory=list)
    statuses: list[Status] = Field(default_factory=list)


class Change(_Open):
    field: str
    value: Value


class Entry(_Open):
    id: str
    changes: list[Change] = Field(default_factory=list)


class WebhookPayload(_Open):
    object: Literal["whatsapp_business_account"]
    entry: list[Entry] = Field(min_length=1)


@dataclass(frozen=True)
class Inbound:
    """One customer message as Sportello handles it."""

    message_id: str
    user: str  # wa_id, or the business-scoped user id when the number is hidden
    kind: str  # text | interactive | location | image | document | reaction | ...
    text: str  # what the conversation graph reads (may be empty)
    supported: bool


def _text_of(message: Message) -> tuple[str, bool]:
    if message.type == "text" and message.text:
        return str(message.text.get("body", "")), True
    if message.type == "interactive" and message.interactive:
        reply = message.interactive.get("button_reply") or message.interactive.get("list_reply")
        if reply:
            # The graph reads the title the customer saw; the id rides along for flows.
            return str(reply.get("title") or reply.get("id") or ""), True
    if message.type == "button" and message.button:
        return str(message.button.get("text") or message.button.get("payload") or ""), True
    if message.type == "location" and message.location:
        lat, lon = message.location.get("latitude"), message.location.get("longitude")
        name = message.location.get("address") or message.location.get("name") or ""
        return f"[location {lat},{lon}] {name}".strip(), True
    if message.type in ("image", "document") and (media := message.image or message.document):
        caption = media.get("caption") or ""
        return f"[{message.type} {media.get('id')}] {caption}".strip(), True
    if message.type == "reaction":
        return "", True  # acknowledged, no turn
    return "", False


def inbound_messages(payload: WebhookPayload) -> list[Inbound]:
    found: list[Inbound] = []
    for entry in payload.entry:
        for change in entry.changes:
            contacts = {c.wa_id: c for c in change.value.contacts if c.wa_id}
            for message in change.value.messages:
                user = (
                    message.from_
                    or message.user_id
                    or next((c.user_id for c in contacts.values() if c.user_id), None)
                )
                if not user:
                    continue
                text, supported = _text_of(message)
                found.append(Inbound(message.id, user, message.type, text, supported))
    return found


def status_updates(payload: WebhookPayload) -> list[Status]:
    return [s for e in payload.entry for c in e.changes for s in c.value.statuses]
