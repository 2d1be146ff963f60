"""What a node answers in one turn, and how it becomes a state update."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import HumanMessage

from graph.state import Action, Choice, Citation, ConversationState
from knowledge.glossary import expand_query
from knowledge.schema import Hit
from knowledge.sparse import STOPWORDS, fold


@dataclass
class Reply:
    text: str
    citations: list[Citation] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    attachments: list[dict[str, str]] = field(default_factory=list)
    offers_operator: bool = False  # the text asks "shall I pass you to an operator?"

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

    def then(self, other: Reply) -> Reply:
        """This reply followed by another (its text below, its sources and actions too)."""
        return Reply(
            text=f"{self.text}\n\n{other.text}" if other.text else self.text,
            citations=self.citations + [c for c in other.citations if c not in self.citations],
            actions=self.actions + other.actions,
            evidence=self.evidence + other.evidence,
            choices=self.choices + other.choices,
            attachments=self.attachments + other.attachments,
            offers_operator=self.offers_operator or other.offers_operator,
        )

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
            **({"operator_offered": True} if self.offers_operator else {}),
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
    from graph.grounded import without_other_commodities

    text = user_text(state)
    previous = state.get("follow_up_of")
    # the Italian terms the previous message implies stay with it: "in my name" is a voltura,
    # and its words alone ("take over contract name") no longer say so
    topic = without_other_commodities(topic_of(expand_query(previous)), text) if previous else ""
    if previous and not topic and without_other_commodities(previous, text) != previous:
        # "e il gas?" after "quanto costa la luce al kwh?": the same question for gas (its
        # topic was only electricity's words, and "e il gas?" alone quoted the gas leak line)
        topic = without_other_commodities(previous, text)
    return f"{text} ({topic})" if topic else text


# Words that ask, rather than say what a question is about.
_ASKING = frozenset(
    """cos cosa e è funziona funzionano costa costano cost costs coute work works serve servono spetta spettano sapere dirmi dire spiegare
    spiegami puoi potete può mi sai devo fare fa fanno faccio dove quanti quante quale quali avete
    secondo
    what whats how does do is are can could tell explain about much many
    qu quoi est ce comment combien pouvez pouvez-vous peux puis dois""".split()
)


def _subject_words(message: str) -> list[str]:
    words = re.findall(r"[\w’'-]+", message.lower())
    kept = []
    for word in words:
        bare = re.split(r"['’]", word)[-1]
        if bare and bare not in STOPWORDS and bare not in _ASKING and fold(bare) not in STOPWORDS:
            kept.append(bare)
    return kept


def topic_of(message: str) -> str:
    """What a message is about, without its way of asking ("che cos'è il bonus sociale?" ->
    "bonus sociale"): a follow-up's search reads it after the follow-up, so that the answer
    is the follow-up's ("per quanto tempo vale?"), not the first question's again."""
    return " ".join(_subject_words(message)) or message


# What any procedure or rule has, whatever it is about: its cost, time, documents, limits.
_ANY_SUBJECT = frozenset(
    """
    costo costi prezzo prezzi tempo tempi ci vuole vogliono mette mettono dura durano durata
    servono occorre occorrono bisogna documenti documento documentazione carte necessari
    necessario necessaria possibile puo entro giorni giorno settimane mesi quanto
    scade scadenza limite minimo massimo procedura passaggi modulo online gratis gratuito
    caro cara ancora invece esattamente poi allora anche solo sempre tutto altro altri
    sono ce c'e chiedere chiede richiesta farlo farla chiederlo chiederla richiederlo
    richiederla ottenerlo ottenerla attivarlo attivarla domanda presentare presentarla
    normale solito solitamente generalmente vale valgono anno anni annuo annua annuale mese
    price prices fee fees charge time long take takes took documents document papers paperwork
    need needed required necessary days weeks months deadline minimum maximum free form
    there it that this then also else anything exactly get done ask request apply normal
    usually generally worth year years yearly annual month monthly
    coute cout prix frais temps faut prend delai documents document papiers necessaire
    necessaires jours semaines mois minimum maximum gratuit formulaire ligne quels quelles
    quel quelle ca cela demande demander faire alors aussi encore obtenir normal habitude
    generalement fait vaut an ans annee annees annuel
    """.split()
)


def has_no_subject(message: str) -> bool:
    """A question with no subject of its own: only ways of asking and what any procedure has
    ("che documenti servono?", "posso sapere quanto costa?", "how long does it take?").
    It is about the last topic, whatever its words resemble."""
    words = _subject_words(message)
    return all(fold(w) in _ANY_SUBJECT or w in _ANY_SUBJECT for w in words)


def question_text(state: ConversationState) -> str:
    """The question a vertical should answer: the one asked before identification, if any."""
    return state.get("pending_text") or user_question(state)
