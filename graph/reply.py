"""What a node answers in one turn, and how it becomes a state update."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import HumanMessage

from graph.state import Action, Choice, Citation, ConversationState
from knowledge.schema import Hit


@dataclass
class Reply:
    text: str
    citations: list[Citation] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    attachments: list[dict[str, str]] = field(default_factory=list)

    def cite(self, hits: list[Hit]) -> Reply:
        seen = {c["doc_id"] + c["section"] for c in self.citations}
        for hit in hits:
            if hit.doc_id + hit.section not in seen:
                seen.add(hit.doc_id + hit.section)
                self.citations.append(
                    Citation(
                        doc_id=hit.doc_id, title=hit.title, section=hit.section, source=hit.source
                    )
                )
            self.evidence.append(hit.text)
        return self

    def act(
        self, tool: str, ok: bool = True, result: object = None, args: dict[str, Any] | None = None
    ) -> Reply:
        self.actions.append(Action(tool=tool, ok=ok, args=args or {}))
        if result is not None:
            self.evidence.append(str(result))
        return self

    def update(self, **extra: Any) -> dict[str, Any]:
        return {
            "reply": self.text,
            "citations": self.citations,
            "actions": self.actions,
            "evidence": self.evidence,
            "choices": self.choices,
            "attachments": self.attachments,
            **extra,
        }


def user_text(state: ConversationState) -> str:
    """This turn's customer message."""
    for message in reversed(state.get("messages", [])):
        if isinstance(message, HumanMessage):
            return message.content if isinstance(message.content, str) else ""
    return ""


def user_question(state: ConversationState) -> str:
    """This turn's message, after the one it follows up on ("e per quanto tempo vale?" after
    "chi ha diritto al bonus sociale?"), so that a search finds what it is about."""
    text = user_text(state)
    previous = state.get("follow_up_of")
    return f"{previous} {text}" if previous else text


def question_text(state: ConversationState) -> str:
    """The question a vertical should answer: the one asked before identification, if any."""
    return state.get("pending_text") or user_question(state)
