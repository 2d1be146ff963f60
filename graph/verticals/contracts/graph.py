"""The contracts vertical: procedures collected step by step, confirmed, opened as cases."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from graph.accounts import accepts, commodity_name, day, declines, is_no, is_yes
from graph.agent import agent_steps
from graph.backends.ports import BackendError, Case, CaseKind, Customer, Supply
from graph.deps import GraphDeps
from graph.grounded import asked_commodity, follows_without_subject, knowledge_reply
from graph.prompts import render
from graph.prompts.common import TEMPLATES as COMMON
from graph.reply import Reply, question_text, user_text
from graph.slots import find_customer_code, find_iban
from graph.state import Choice
from graph.subgraph import (
    ToolSteps,
    ask_identity,
    backend_failed,
    call_tool,
    compile_vertical,
    leave,
    tool_node,
    tool_result,
    yes_no,
)
from graph.verticals.contracts import rules
from graph.verticals.contracts.texts import DOCUMENTS, KINDS, LABELS, STATUSES, TEMPLATES
from graph.verticals.contracts.tools import (
    case_in_progress,
    choose_offer,
    current_offers,
    find_supply,
    meter_code,
    meter_code_in,
    named_commodity,
    read_tools,
    write_tools,
)
from knowledge.retriever import KnowledgeUnavailable
from knowledge.sparse import fold

VERTICAL = "contracts"
_ADDRESS = re.compile(
    r"\b(via|viale|piazza|piazzale|corso|vicolo|largo|strada|localita|loc|frazione|borgo|"
    r"rue|avenue|boulevard|street|road)\b|@"
)
_DATA_KEYS = (
    "commodity",
    "holder_name",
    "fiscal_code",
    "date",
    "address",
    "meter_code",
    "power_kw",
    "previous_power_kw",
    "iban",
    "contract_date",
    "deadline",
)


@dataclass(frozen=True)
class _Problem:
    """A precise answer to invalid input; `end` closes the procedure (nothing can fix it)."""

    text: str
    end: bool = False
    choices: tuple[Choice, ...] = ()
    slot: str | None = None  # the one to ask again


def _flow(step: str, slots: dict[str, Any]) -> dict[str, Any]:
    return {"vertical": VERTICAL, "step": step, "slots": slots}


def _say(reply: Reply, **update: Any) -> Command:  # type: ignore[type-arg]
    return leave("respond", reply.update(**update))


class ContractsState(ToolSteps, total=False):
    """The subgraph's own keys, for this turn only (they never reach the conversation)."""

    turn_step: str | None  # the procedure step this message continues
    turn_text: str  # what that step reads
    turn_slots: dict[str, Any]
    turn_kind: CaseKind | None  # the procedure a question named


def build(deps: GraphDeps) -> CompiledStateGraph:  # type: ignore[type-arg]
    """gate -> answer (how a procedure works, from the documents, with the offer to start it)
    | identify (in the main graph) | collect (one detail at a time, validated in code) |
    consent (the summary, explicitly confirmed) -> open_case (the only write)."""

    def gate(state: ContractsState) -> Command[Literal["answer", "collect", "consent", "cases"]]:
        language = state.get("language", "it")
        flow = state.get("flow") or {}
        step = flow.get("step") if flow.get("vertical") == VERTICAL else None
        slots: dict[str, Any] = dict(flow.get("slots") or {}) if step else {}
        text = user_text(state)
        if step == "start":  # after a rules answer: "shall I start it?"
            if accepts(text) or find_customer_code(text):  # a yes, or the code to go on with
                step, text = "identify", ""
            elif declines(text):
                return _say(Reply(render(TEMPLATES, "start_declined", language)), flow=None)
            else:
                step, slots = None, {}
        elif step not in (None, "identify"):
            if _another_procedure(text, slots["kind"]):
                step, slots = None, {}
            elif is_no(text) and step != "consent":
                return _say(Reply(render(TEMPLATES, "cancelled", language)), flow=None)
        if step is None and rules.asks_case_status(question_text(state)):
            if not state.get("identified"):  # the customer's own requests: identify first
                return ask_identity(VERTICAL, question_text(state))
            return Command(goto="cases")
        if step is None:
            text = question_text(state)
            kind = rules.detect_procedure(text)
            # A question, even one naming a procedure ("can I still cancel?"), is answered
            # from the documents first, with the offer to start the procedure.
            if kind is None or rules.is_information_question(text) or "?" in text:
                return Command(goto="answer", update={"turn_text": text, "turn_kind": kind})
            slots = {"kind": kind, "request": text}
        elif step == "identify":
            # the request, and what was sent for it while the customer code was asked (an
            # IBAN), kept by the supervisor after it
            request = str(slots.get("request", ""))
            pending = state.get("pending_text") or ""
            sent = pending[len(request) :].strip() if pending.startswith(request) else ""
            text = f"{request}\n{sent}".strip() if text else ""
        if not state.get("identified"):
            return leave(
                "identify",
                {
                    "pending_route": VERTICAL,
                    "pending_text": slots.get("request") or user_text(state),
                    "route": "identify",
                    "flow": _flow("identify", slots),
                },
            )
        return Command(
            goto="consent" if step == "consent" else "collect",
            update={"turn_step": step, "turn_text": text, "turn_slots": slots},
        )

    def cases(state: ContractsState) -> Command:  # type: ignore[type-arg]
        """ "A che punto è la mia pratica?": the customer's requests, newest first, with their
        status and the documents still to send."""
        language = state.get("language", "it")
        try:
            found = deps.backend.list_cases(state.get("customer_code") or "")[:5]
        except BackendError:
            return backend_failed(language)
        reply = Reply("")
        reply.act("list_cases", True, [c.model_dump_json(exclude={"data"}) for c in found])
        if not found:
            reply.text = render(TEMPLATES, "no_cases", language)
            return _say(reply)
        lines = [render(TEMPLATES, "cases_header", language)]
        for case in found:
            lines.append(
                render(
                    TEMPLATES,
                    "case_line",
                    language,
                    case=case.case_id or "-",
                    kind=render(KINDS, case.kind, language),
                    date=day(case.created_at.date()) if case.created_at else "-",
                    status=render(STATUSES, case.status, language),
                )
            )
            documents = [
                render(DOCUMENTS, d, language) if d in DOCUMENTS else d
                for d in case.documents_needed
            ]
            if documents and case.status in ("open", "waiting_documents"):
                lines.append(
                    render(TEMPLATES, "case_documents", language, documents="; ".join(documents))
                )
        lines.append(render(TEMPLATES, "cases_footer", language))
        reply.text = "\n".join(lines)
        return _say(reply)

    def answer(state: ContractsState) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        # a follow-up of a question about prices ("e la luce?") is about prices too
        asked = (state.get("turn_text", ""), state.get("follow_up_of") or "")
        prices = any(rules.asks_energy_price(t) for t in asked)
        return _information(
            deps,
            state.get("turn_text", ""),
            language,
            state.get("turn_kind"),
            commodity=asked_commodity(state),
            prices=prices,
            scoped=follows_without_subject(state),
        )

    def turn_of(state: ContractsState) -> _Turn:
        customer = deps.backend.get_customer(state.get("customer_code") or "")
        return _Turn(
            deps,
            state.get("language", "it"),
            deps.clock().date(),
            state.get("user_id", ""),
            customer,
            dict(state.get("turn_slots") or {}),
        )

    def collect(state: ContractsState) -> Command:  # type: ignore[type-arg]
        step = state.get("turn_step")
        try:
            turn = turn_of(state)
            problem = turn.absorb(step, state.get("turn_text", ""))
            return turn.advance(problem, first=step in (None, "identify"))
        except BackendError:
            return backend_failed(state.get("language", "it"))

    def consent(state: ContractsState) -> Command[Literal["open_case"]]:
        try:
            answered = turn_of(state).consent(state.get("turn_text", ""))
        except BackendError:
            return backend_failed(state.get("language", "it"))
        return answered or Command(goto="open_case")

    def open_case_step(state: ContractsState) -> Command[Literal["tools"]]:
        """The write is asked for only here, after the customer confirmed the summary of
        this very request; the tool checks that again against the state."""
        try:
            return turn_of(state).call_open_case()
        except BackendError:
            return backend_failed(state.get("language", "it"))

    def opened(state: ContractsState) -> Command:  # type: ignore[type-arg]
        ok, result = tool_result(state)
        try:
            if ok:
                return turn_of(state).opened(result)
        except BackendError:
            pass
        return backend_failed(state.get("language", "it"))

    return compile_vertical(
        VERTICAL,
        {
            **agent_steps(deps, VERTICAL, read_tools),
            "gate": (gate, ("answer", "collect", "consent", "cases")),
            "cases": (cases, ()),
            "answer": (answer, ()),
            "collect": (collect, ()),
            "consent": (consent, ("open_case",)),
            "open_case": (open_case_step, ("tools",)),
            "tools": (tool_node(write_tools(deps.backend)), ("opened",)),
            "opened": (opened, ()),
        },
        state=ContractsState,
        entry="agent",
    )


def _another_procedure(text: str, kind: str) -> bool:
    """A new request in the middle of a procedure ("no, I want a termination instead")."""
    new = rules.detect_procedure(text)
    same = new == kind or ((new or "").startswith("voltura") and kind.startswith("voltura"))
    return new is not None and not same


def _information(
    deps: GraphDeps,
    text: str,
    language: str,
    kind: CaseKind | None,
    *,
    commodity: str | None,
    prices: bool,
    scoped: bool = False,
) -> Command[str]:
    """How a procedure works, from the knowledge base with citations; no identification."""
    reply = knowledge_reply(
        deps,
        text,
        language,
        verticals=[VERTICAL],
        commodity=commodity,
        # the offers' own sheets: "quanto costa il gas?" found what a voltura costs
        doc_type=["tariff"] if prices else None,
        scoped=scoped,
    )
    offers = prices or rules.asks_about_offers(text)
    if kind is None and offers and commodity != "water":
        kind = "offer_change"  # water has the area's regulated tariff, nothing to choose
    if kind is None or not reply.citations:
        return _say(reply)
    reply.text += "\n\n" + render(
        TEMPLATES, "start_offer", language, kind=render(KINDS, kind, language)
    )
    reply.choices = yes_no(language)
    return _say(reply, flow=_flow("start", {"kind": kind, "request": text}))


@dataclass
class _Turn:
    """One turn of a procedure for an identified customer."""

    deps: GraphDeps
    language: str
    today: date
    thread: str
    customer: Customer
    slots: dict[str, Any]

    # --- small helpers ---------------------------------------------------------------------

    @property
    def kind(self) -> CaseKind:
        kind: CaseKind = self.slots["kind"]
        return kind

    def t(self, key: str, **values: object) -> str:
        return render(TEMPLATES, key, self.language, **values)

    def label(self, key: str) -> str:
        return render(LABELS, key, self.language)

    def kind_name(self) -> str:
        return render(KINDS, self.kind, self.language)

    def commodity(self, commodity: str) -> str:
        return commodity_name(commodity, self.language)

    def supply(self) -> Supply | None:
        wanted = self.slots.get("supply_id")
        return next((s for s in self.customer.supplies if s.supply_id == wanted), None)

    def example(self, days: int = 7) -> str:
        return day(self.today + timedelta(days=days))

    def powers(self) -> str:
        return ", ".join(rules.format_kw(p) for p in rules.STANDARD_POWERS_KW)

    def problem(self, key: str, end: bool = False, **values: object) -> _Problem:
        allowed = ", ".join(self.commodity(c) for c in rules.COMMODITIES.get(self.kind, ()))
        return _Problem(self.t(key, kind=self.kind_name(), allowed=allowed, **values), end)

    # --- collecting the data ---------------------------------------------------------------

    def absorb(self, step: str | None, text: str) -> _Problem | None:
        """Validate and keep what the message gives; the first problem stops the turn."""
        if self.kind == "voltura" and rules.mentions_death(text):
            self.slots["kind"] = "voltura_mortis_causa"
        readers = {
            "supply": self._supply,
            "holder": self._holder,
            "date": self._date,
            "contract_date": self._contract_date,
            "iban": self._iban,
            "power": self._power,
            "offer": self._offer,
            "commodity": self._commodity,
            "address": self._address,
        }
        for slot in rules.slots_of(self.kind):
            problem = readers[slot](step, text)
            if problem is not None:
                return problem if problem.slot else replace(problem, slot=slot)
        return None

    def reads(self, slot: str, step: str | None, *keys: str) -> bool:
        """Whether a message may fill a slot: the one asked, or an empty one in the request."""
        if step == slot:
            return True
        return step in (None, "identify") and not any(self.slots.get(k) for k in keys or (slot,))

    def _supply(self, step: str | None, text: str) -> _Problem | None:
        if self.slots.get("supply_id"):
            return None
        optional = self.kind == "payment_method"  # all supplies unless one is named
        if optional and not (meter_code_in(text) or named_commodity(text)):
            return None
        labels = {c: self.commodity(c) for c in ("electricity", "gas", "water")}
        lookup = find_supply(self.customer, text, self.kind, labels)
        if lookup.problem is not None:
            problem = self.problem(
                lookup.problem, end=lookup.problem == "no_supply_for_kind", **lookup.values
            )
            return _Problem(problem.text, problem.end, tuple(self._supply_choices()))
        if lookup.supply is not None:
            self.slots["supply_id"] = lookup.supply.supply_id
            self.slots["commodity"] = lookup.supply.commodity
        return None

    def _holder(self, step: str | None, text: str) -> _Problem | None:
        if step != "holder" and self.slots.get("fiscal_code"):
            return None
        if step == "holder" and (name := rules.holder_name(text)):
            self.slots["holder_name"] = name
        code = rules.find_fiscal_code(text)
        if code is None:
            return None
        problem = rules.fiscal_code_problem(code)
        if problem is not None:
            return self.problem(f"fiscal_code_{problem}", code=code)
        if self.customer.fiscal_code and code == self.customer.fiscal_code.upper():
            return self.problem("same_holder", code=code)
        self.slots["fiscal_code"] = code
        return None

    def _date(self, step: str | None, text: str) -> _Problem | None:
        if not self.reads("date", step):
            return None
        found = rules.find_start_date(text, self.today)
        if found is None:
            if step == "date":
                return self.problem("date_missing", example=self.example())
            return None
        if rules.start_date_problem(found, self.today):
            return self.problem("date_past", date=day(found), today=day(self.today))
        self.slots["date"] = found.isoformat()
        return None

    def _contract_date(self, step: str | None, text: str) -> _Problem | None:
        if not self.reads("contract_date", step):
            return None
        found = rules.find_past_date(text, self.today)
        if found is None:
            if step == "contract_date":
                return self.problem("date_missing", example=self.example(-3))
            return None
        window = rules.withdrawal_window(found, self.today)
        if window.reason == "future":
            return self.problem("withdrawal_future", date=day(found), today=day(self.today))
        if window.reason == "expired":
            return self.problem(
                "withdrawal_expired", end=True, date=day(found), deadline=day(window.deadline)
            )
        self.slots["contract_date"] = found.isoformat()
        self.slots["deadline"] = window.deadline.isoformat()
        return None

    def _iban(self, step: str | None, text: str) -> _Problem | None:
        if not self.reads("iban", step):
            return None
        iban = find_iban(text) or rules.find_iban_like(text)
        if iban is None:
            return self.problem("iban_missing") if step == "iban" else None
        problem = rules.iban_problem(iban)
        if problem is not None:
            expected = rules.IBAN_LENGTHS.get(iban[:2], 0)
            return self.problem(
                f"iban_{problem}", iban=iban, length=len(iban), country=iban[:2], expected=expected
            )
        self.slots["iban"] = iban
        return None

    def _power(self, step: str | None, text: str) -> _Problem | None:
        if self.kind == "subentro" and self.slots.get("commodity") not in (None, "electricity"):
            return None
        if not self.reads("power", step, "power_kw"):
            return None
        new = rules.find_power(text, bare=step == "power")
        if new is None:
            return None
        supply = self.supply()
        current = supply.power_kw if supply is not None and self.kind == "power_change" else None
        problem = rules.power_problem(new, current)
        if problem is not None:
            return self.problem(
                f"power_{problem}", power=rules.format_kw(new), values=self.powers()
            )
        self.slots["power_kw"] = str(new)
        if current is not None:
            self.slots["previous_power_kw"] = str(current)
        return None

    def _offer(self, step: str | None, text: str) -> _Problem | None:
        if step != "offer":
            return None
        offers = self.slots.get("offers") or []
        chosen = choose_offer(text, offers)
        if chosen is None:
            return self.problem("offer_unknown", count=len(offers))
        supply = self.supply()
        if supply is not None and chosen["code"] == supply.offer_code:
            return self.problem("offer_is_current", name=chosen["name"])
        self.slots["offer"] = chosen
        return None

    def _commodity(self, step: str | None, text: str) -> _Problem | None:
        if not (self.reads("commodity", step) or step == "address"):
            return None
        code = meter_code_in(text)
        if code is not None:  # a subentro's meter: a new one, never one of the customer's own
            mine = next((s for s in self.customer.supplies if code in (s.pod, s.pdr)), None)
            if mine is not None and mine.status != "inactive":
                problem = self.problem("supply_already_yours", code=code)
                return replace(problem, slot=step if step == "address" else "commodity")
            self.slots["meter_code"] = code
            self.slots.setdefault("commodity", "electricity" if code.startswith("IT") else "gas")
        commodity = named_commodity(text)
        if commodity is not None and not self.slots.get("commodity"):
            self.slots["commodity"] = commodity
        return None

    def _address(self, step: str | None, text: str) -> _Problem | None:
        if step != "address":
            return None
        code = meter_code_in(text)
        address = re.sub(re.escape(code), " ", text, flags=re.IGNORECASE) if code else text
        address = re.sub(r"\b(pod|pdr)\b\W*", " ", address, flags=re.IGNORECASE)
        address = " ".join(address.split()).strip(" ,.;")
        folded = fold(address)
        if len(address) < 6 or not (_ADDRESS.search(folded) or re.search(r"\d", folded)):
            return self.problem("address_missing")
        self.slots["address"] = address[:160]
        return None

    # --- asking, summarising, opening ------------------------------------------------------

    def advance(self, problem: _Problem | None, *, first: bool = False) -> Command[str]:
        """The problem, or the next question, or the summary to confirm."""
        if problem is not None and problem.end:
            return _say(Reply(problem.text), flow=None)
        duplicate = self._duplicate()
        if duplicate is not None:
            return _say(duplicate, flow=None)
        missing = rules.missing_slots(self.kind, self.slots, self.slots.get("commodity"))
        if problem is not None:
            step = problem.slot or (missing[0] if missing else "consent")
            reply = Reply(problem.text, choices=list(problem.choices))
            return _say(reply, flow=_flow(step, self.slots))
        if not missing:
            return _say(self.summary(), flow=_flow("consent", self.slots))
        reply, end = self.ask(missing[0])
        if first and self.kind == "voltura_mortis_causa":
            reply.text = self.t("condolences") + " " + reply.text
        return _say(reply, flow=None if end else _flow(missing[0], self.slots))

    def _duplicate(self) -> Reply | None:
        """A case of the same kind still open for this supply: no second one."""
        supply_id = self.slots.get("supply_id")
        if self.slots.get("checked") or (supply_id is None and self.kind != "payment_method"):
            return None
        if self.kind == "subentro":
            return None
        self.slots["checked"] = True
        case = case_in_progress(self.deps.backend, self.customer.code, self.kind, supply_id)
        if case is None:
            return None
        self.deps.audit.record(
            self.thread,
            "tool",
            "list_cases",
            f"{self.kind} not opened: a case of the same kind is still open for this supply",
            customer_code=self.customer.code,
            data={"case_id": case.case_id, "kind": self.kind, "supply_id": supply_id},
        )
        opened = day(case.created_at.date()) if case.created_at else "-"
        reply = Reply(
            self.t(
                "case_in_progress",
                case=case.case_id,
                date=opened,
                status=render(STATUSES, case.status, self.language),
            )
        )
        return reply.act("list_cases", True, case.model_dump_json(exclude={"data"}))

    def _supply_choices(self) -> list[Choice]:
        labels = {c: self.commodity(c) for c in ("electricity", "gas", "water")}
        return find_supply(self.customer, "", self.kind, labels).choices

    def ask(self, slot: str) -> tuple[Reply, bool]:
        """The question for a slot; True when the procedure cannot go on."""
        kind = "voltura" if self.kind == "voltura_mortis_causa" else self.kind
        if slot == "supply":
            return Reply(self.t("ask_supply"), choices=self._supply_choices()), False
        if slot == "holder":
            key = "ask_holder"
            if self.slots.get("holder_name"):
                key = "ask_fiscal_code"
            elif self.slots.get("fiscal_code"):
                key = "ask_holder_name"
            return Reply(self.t(key)), False
        if slot == "date":
            return Reply(self.t(f"ask_date_{kind}", example=self.example())), False
        if slot == "contract_date":
            return Reply(self.t("ask_contract_date", example=self.example(-3))), False
        if slot == "iban":
            return Reply(self.t("ask_iban")), False
        if slot == "power":
            supply = self.supply()
            if self.kind == "power_change" and supply is not None and supply.power_kw:
                current = rules.format_kw(supply.power_kw)
                return Reply(self.t("ask_power", current=current, values=self.powers())), False
            return Reply(self.t("ask_power_new", values=self.powers())), False
        if slot == "offer":
            return self._ask_offer()
        if slot == "commodity":
            choices = [
                Choice(id=c, title=self.commodity(c).capitalize())
                for c in ("electricity", "gas", "water")
            ]
            return Reply(self.t("ask_commodity"), choices=choices), False
        return Reply(self.t(f"ask_address_{kind}")), False

    def _ask_offer(self) -> tuple[Reply, bool]:
        supply = self.supply()
        assert supply is not None
        commodity = self.commodity(supply.commodity)
        try:
            offers = current_offers(self.deps.retriever, supply.commodity, self.today)
        except KnowledgeUnavailable:  # the offer sheets cannot be read: never say "no offers"
            reply = Reply(render(COMMON, "documents_unavailable", self.language))
            return reply.act("list_offers", False), True
        if not offers:
            return Reply(self.t("no_offers", commodity=commodity)).act("list_offers", False), True
        others = [o for o in offers if o.code != supply.offer_code]
        if not others:
            return Reply(self.t("no_other_offer", commodity=commodity, name=offers[0].name)).act(
                "list_offers", True
            ), True
        lines = [self.t("offers_header", commodity=commodity)]
        for index, offer in enumerate(offers, 1):
            mark = self.t("offer_current") if offer.code == supply.offer_code else ""
            quotes = " ".join(f"«{q}»" for q in offer.quotes)
            lines.append(f"{index}) {offer.name} ({offer.code}){mark}: {quotes}")
        lines.append(self.t("offers_footer"))
        reply = Reply("\n".join(lines))
        reply.choices = [Choice(id=o.code, title=o.title) for o in offers][:10]
        for offer in offers:
            reply.cite(list(offer.hits))
        reply.act("list_offers", True)
        self.slots["offers"] = [o.summary() for o in offers]
        return reply, False

    def _get(self, key: str) -> Any:
        return self.slots.get(key)

    def _lines(self) -> list[tuple[str, str]]:
        """The summary's rows, label and value, in the customer's language."""
        rows: list[tuple[str, str]] = []
        supply = self.supply()
        get = self._get
        if supply is not None:
            rows.append(
                (
                    self.label("supply"),
                    f"{self.commodity(supply.commodity)} {meter_code(supply)} – {supply.address}",
                )
            )
        elif self.kind == "payment_method":
            active = [s for s in self.customer.supplies if s.status != "inactive"]
            listed = ", ".join(f"{self.commodity(s.commodity)} {meter_code(s)}" for s in active)
            rows.append((self.label("supplies"), f"{self.label('all_supplies')} ({listed})"))
        if self.kind == "subentro":
            rows.append((self.label("commodity"), self.commodity(get("commodity"))))
            rows.append((self.label("address_subentro"), get("address")))
            if get("meter_code"):
                rows.append((self.label("meter_code"), get("meter_code")))
        if get("holder_name"):
            rows.append((self.label("holder"), f"{get('holder_name')} ({get('fiscal_code')})"))
        if get("offer"):
            offer = get("offer")
            rows.append((self.label("offer"), f"{offer['name']} ({offer['code']})"))
            if supply is not None and supply.offer_code:
                rows.append((self.label("current_offer"), supply.offer_code))
        if get("iban"):
            rows.append((self.label("iban"), rules.mask_iban(get("iban"))))
        if get("power_kw"):
            new = rules.format_kw(Decimal(get("power_kw")))
            previous = get("previous_power_kw")
            value = f"{rules.format_kw(Decimal(previous))} → {new} kW" if previous else f"{new} kW"
            rows.append((self.label("power"), value))
        if get("date"):
            kind = "voltura" if self.kind == "voltura_mortis_causa" else self.kind
            label = self.label(f"date_{kind}")
            rows.append((label, day(date.fromisoformat(get("date")))))
        if self.kind == "termination" and get("address"):
            rows.append((self.label("address_termination"), get("address")))
        if get("contract_date"):
            rows.append(
                (self.label("contract_date"), day(date.fromisoformat(get("contract_date"))))
            )
            rows.append((self.label("deadline"), day(date.fromisoformat(get("deadline")))))
        return rows

    def summary(self) -> Reply:
        lines = [self.t("summary_header", kind=self.kind_name())]
        lines += [self.t("row", label=label, value=value) for label, value in self._lines()]
        if self.kind == "withdrawal":
            lines.append(self.t("withdrawal_note"))
        power = self.slots.get("power_kw")
        if power and Decimal(power) > rules.DOMESTIC_OFFER_MAX_KW and self.customer.domestic:
            lines.append(self.t("power_offer_note"))
        lines.append(self.t("consent"))
        return Reply("\n".join(lines), choices=yes_no(self.language))

    def consent(self, text: str) -> Command | None:  # type: ignore[type-arg]
        """The reply to a no or an unclear answer; None for a yes (the case may be opened)."""
        if is_no(text):
            self.deps.audit.record(
                self.thread,
                "policy",
                "consent_refused",
                f"customer declined the {self.kind} case",
                customer_code=self.customer.code,
            )
            return _say(Reply(self.t("cancelled")), flow=None)
        if not is_yes(text):
            return _say(self.summary(), flow=_flow("consent", self.slots))
        return None

    def call_open_case(self) -> Command:  # type: ignore[type-arg]
        """Ask the tools step to open the confirmed case, as an LLM's tool call would."""
        call = call_tool(
            "open_case",
            kind=self.kind,
            supply_id=self.slots.get("supply_id"),
            data=self.case_data(),
        )
        return Command(goto="tools", update=call)

    def opened(self, result: str) -> Command:  # type: ignore[type-arg]
        """The reply once the tool opened the case: its number and the documents to send."""
        found = json.loads(result)
        case = Case.model_validate(found["case"])
        keys: list[str] = found["documents"]
        self.deps.audit.record(
            self.thread,
            "tool",
            "open_case",
            f"{self.kind} request validated in code; customer gave explicit consent",
            customer_code=self.customer.code,
            data={
                "case_id": case.case_id,
                "kind": self.kind,
                "supply_id": case.supply_id,
                "documents": keys,
            },
        )
        lines = [self.t("case_opened", case=case.case_id, kind=self.kind_name())]
        if keys:
            lines.append(self.t("documents_header"))
            lines += [f"• {render(DOCUMENTS, key, self.language)}" for key in keys]
            lines.append(self.t("documents_how", case=case.case_id))
        else:
            lines.append(self.t("no_documents"))
        reply = Reply("\n".join(lines))
        args = {"kind": case.kind, "supply_id": case.supply_id}
        reply.act("open_case", True, case.model_dump_json(exclude={"data"}), args=args)
        return _say(reply, flow=None)

    def case_data(self) -> dict[str, str]:
        """What the back office needs, as strings; the offer by code and name."""
        data = {key: str(self.slots[key]) for key in _DATA_KEYS if self.slots.get(key)}
        supply = self.supply()
        if self.kind == "termination" and "address" in data:
            data["closing_bill_address"] = data.pop("address")
        if offer := self.slots.get("offer"):
            data["offer_code"], data["offer_name"] = offer["code"], offer["name"]
            data["previous_offer_code"] = (supply.offer_code if supply else None) or ""
        if self.kind == "payment_method" and supply is None:
            active = [s.supply_id for s in self.customer.supplies if s.status != "inactive"]
            data["supplies"] = ",".join(active)
        if self.kind == "power_change" and Decimal(data["power_kw"]) > rules.DOMESTIC_OFFER_MAX_KW:
            data["note"] = "above 6 kW: Lumea's domestic offers cover up to 6 kW"
        return data
