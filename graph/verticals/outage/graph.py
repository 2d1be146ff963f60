"""The outage vertical: emergencies get the fixed safety steps at once, then a ticket; faults
are triaged (what, where, how far), answered by planned works when there are some, else
reported to the distributor with a ticket; tickets are followed by their status."""

from __future__ import annotations

from typing import Any, Literal, get_args

from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from graph.accounts import commodity_name, day, is_no, is_yes, pick_supply
from graph.agent import agent_steps
from graph.answers import asks_for_a_figure
from graph.backends.ports import BackendError, Customer, NotFoundError, Supply, Ticket
from graph.deps import GraphDeps
from graph.grounded import commodity_in, knowledge_reply, retrieve
from graph.policy import is_question
from graph.prompts import render
from graph.prompts.common import TEMPLATES as COMMON
from graph.reply import Reply, has_no_subject, question_text, user_text
from graph.safety import (
    already_called,
    asks_for_the_number,
    hazard_named,
    sheet_for,
    without_the_danger,
)
from graph.state import Choice, ConversationState
from graph.subgraph import (
    ToolSteps,
    backend_failed,
    call_tool,
    compile_vertical,
    leave,
    tool_node,
    tool_result,
    yes_no,
)
from graph.verticals.outage.rules import (
    asks_only_for_a_number,
    bare_commune,
    commodity_of,
    commodity_of_ticket,
    covers,
    find_address,
    find_markers,
    find_ticket_id,
    home_heating_only,
    intent_of,
    is_active,
    is_fault_ticket,
    latest_open_ticket,
    problem_of,
    scope_of,
    without_commune,
)
from graph.verticals.outage.texts import DISTRIBUTORS, TEMPLATES
from graph.verticals.outage.tools import (
    distributor,
    emergency_tools,
    local_time,
    planned_outages,
    read_tools,
    ticket_kind,
    tickets_opened_here,
    write_tools,
)
from knowledge.retriever import KnowledgeUnavailable
from knowledge.schema import DocType
from knowledge.sparse import fold

Turn = Command[str]
COMMODITIES = ("electricity", "gas", "water")
# What to check first when only one home is affected, and the passage that says so.
HINTS = {
    "electricity": ("hint_electricity", "manca la luce in casa: contatore scattato, salvavita"),
    "water": ("hint_water", "manca l'acqua solo a te: rubinetto generale aperto"),
}


def safety_reply(state: ConversationState) -> tuple[Reply, str, str]:
    """The hazard's fixed safety sheet in the customer's language and the distributor's 24/7
    number, with the sheet's commodity and hazard. Nothing here is searched or generated."""
    language = state.get("language", "it")
    sheet = sheet_for(state.get("hazard"), commodity_in(question_text(state)))
    distributor, phone = DISTRIBUTORS[sheet.commodity]
    steps = sheet.steps.get(language, sheet.steps["it"])
    lines = [render(TEMPLATES, "emergency_intro", language)]
    lines += [f"{i}. {step[0].upper()}{step[1:].rstrip(';.')}." for i, step in enumerate(steps, 1)]
    lines.append(sheet.immediate.get(language, sheet.immediate["it"]))
    lines.append(
        render(TEMPLATES, "emergency_call", language, distributor=distributor, phone=phone)
    )
    reply = Reply("\n".join(lines))
    reply.citations.append(sheet.citation())
    reply.act("safety_instructions", True, sheet.hazard)
    reply.evidence += lines  # reviewed text: every figure has a source
    return reply, sheet.commodity, sheet.hazard


def number_reply(state: ConversationState) -> Reply:
    """ "Which number do I call if…?": the distributors' 24/7 numbers, fixed data, no alarm."""
    language = state.get("language", "it")
    text = question_text(state)
    commodity = commodity_in(text)
    commodities = [commodity] if commodity else list(COMMODITIES)
    lines = [
        render(TEMPLATES, "emergency_call", language, distributor=name, phone=phone)
        for name, phone in (DISTRIBUTORS[c] for c in commodities)
    ]
    lines.append(render(TEMPLATES, "emergency_number_112", language))
    reply = Reply("\n".join(lines))
    for c in commodities:
        reply.citations.append(sheet_for(None, c).citation())
    reply.evidence += lines
    return reply


class OutageState(ToolSteps, total=False):
    """The subgraph's own keys, for this turn only (they never reach the conversation)."""

    turn_reply: dict[str, Any]  # the reply so far, while the `tools` step opens the ticket
    turn_text: str  # what the chosen step reads
    turn_slots: dict[str, Any]  # the report's details so far
    turn_first: bool  # a new report (nothing asked yet)
    turn_continues: bool  # a status question in the middle of a report closes the report
    turn_hazard: str  # the emergency the last reply was about, for a message after it
    turn_answer: bool  # a question comes with it ("I called, how long will they take?")


def build(deps: GraphDeps) -> CompiledStateGraph:  # type: ignore[type-arg]
    """gate -> emergency (the fixed, reviewed safety text) | number (the emergency numbers)
    | status (a fault ticket's state) | report (a fault or planned works, detail by detail,
    confirmed, then the ticket) | answer (how outages work, from the documents)."""

    def gate(
        state: OutageState,
    ) -> Command[Literal["emergency", "number", "status", "report", "answer"]]:
        if state.get("urgency") == "emergency":
            return Command(goto="emergency")
        flow = state.get("flow") or {}
        if flow.get("vertical") == "outage":
            text = user_text(state)
            slots = dict(flow.get("slots", {}))
            if find_ticket_id(text) or (
                intent_of(text) == "status"
                and (state.get("identified") or _any_opened(deps, state))
            ):
                return Command(goto="status", update={"turn_text": text, "turn_continues": True})
            if intent_of(text) == "status":
                # "any news?" before this report is filed: nothing to follow yet, and no
                # reason to ask who the customer is; the report goes on
                slots["not_filed_yet"] = True
            update = {"turn_text": text, "turn_slots": slots, "turn_first": False}
            return Command(goto="report", update=update)
        question = question_text(state)
        answered = state.get("answered_flow") or {}
        if (
            answered.get("step") == "emergency"
            and not is_question(question)
            and intent_of(question) not in ("report", "planned", "status")
        ):
            # "sono uscito, ho chiamato" after the safety sheet: the sheet's fixed next words
            hazard = str((answered.get("slots") or {}).get("hazard") or "")
            return Command(goto="answer", update={"turn_text": question, "turn_hazard": hazard})
        named = hazard_named(fold(question))
        if already_called(fold(question)) and named:
            # "I smelled gas and called the emergency number from outside, how long will the
            # team take?": what to do until they come, then the answer (not the number again)
            update = {"turn_text": question, "turn_hazard": named, "turn_answer": True}
            return Command(goto="answer", update=update)
        if asks_for_the_number(fold(question)) or asks_only_for_a_number(question):
            return Command(goto="number")
        intent = intent_of(question)
        if intent == "status":
            return Command(goto="status", update={"turn_text": question})
        if state.get("follow_up_of") and answered.get("vertical") == "outage":
            # "e quando torna?" after an answered report: the same report, checked again.
            slots = dict(answered.get("slots") or {})
            update = {"turn_text": user_text(state), "turn_slots": slots, "turn_first": False}
            return Command(goto="report", update=update)
        if intent in ("report", "planned"):
            slots = {"intent": intent, "urgency": state.get("urgency", "normal")}
            update = {"turn_text": question, "turn_slots": slots, "turn_first": True}
            return Command(goto="report", update=update)
        return Command(goto="answer", update={"turn_text": question})

    def emergency(state: OutageState) -> Command[Literal["emergency_tools"]]:
        """The safety text first, then the emergency ticket, asked of the ToolNode like any
        write (the tool checks that the supervisor's rules judged the message an emergency)."""
        reply, commodity, hazard = safety_reply(state)
        call = call_tool("open_ticket", commodity=commodity, description=question_text(state)[:500])
        slots = {"commodity": commodity, "hazard": hazard}
        update = {**call, "turn_slots": slots, "turn_reply": reply.update()}
        return Command(goto="emergency_tools", update=update)

    def emergency_opened(state: OutageState) -> Turn:
        ok, result = tool_result(state)
        so_far = state.get("turn_reply") or {}
        reply = Reply(
            so_far.get("reply", ""),
            citations=list(so_far.get("citations", [])),
            actions=list(so_far.get("actions", [])),
            evidence=list(so_far.get("evidence", [])),
        )
        slots = state.get("turn_slots") or {}
        ticket = Ticket.model_validate_json(result) if ok else None
        reply.act(
            "open_ticket",
            ticket is not None,
            ticket.ticket_id if ticket else None,
            args={"category": f"{slots.get('commodity')}_emergency", "priority": "emergency"},
        )
        if ticket is not None:
            line = render(
                TEMPLATES, "emergency_ticket", state.get("language", "it"), ticket=ticket.ticket_id
            )
            reply.text = f"{reply.text}\n{line}"
            reply.evidence.append(line)
            deps.audit.record(
                state.get("user_id", ""),
                "tool",
                "open_ticket",
                f"{slots.get('commodity')} emergency reported ({slots.get('hazard')})",
                customer_code=state.get("customer_code"),
                data={"ticket_id": ticket.ticket_id},
            )
        question = question_text(state)
        if already_called(fold(question)) and is_question(question):
            # "sento odore di gas, ho già chiamato: quanto ci mettono?": the sheet stands (the
            # danger is still there), and the question gets its answer after it
            # (searched without the clauses that describe the danger: they only repeat it,
            # and the search quoted the emergency number again)
            reply = reply.then(
                knowledge_reply(
                    deps,
                    without_the_danger(question),
                    state.get("language", "it"),
                    verticals=["outage"],
                    commodity=slots.get("commodity"),
                    max_sentences=2,
                )
            )
        answered = {"vertical": "outage", "step": "emergency", "slots": slots}
        return leave("respond", reply.update(answered_flow=answered))

    def number(state: OutageState) -> Turn:
        return leave("respond", number_reply(state).update())

    def status(state: OutageState) -> Turn:
        text = state.get("turn_text", "")
        try:
            if state.get("turn_continues"):
                return _status(deps, state, text, flow=None)
            return _status(deps, state, text)
        except BackendError:
            return backend_failed(state.get("language", "it"))

    def report(state: OutageState) -> Turn:
        slots = dict(state.get("turn_slots") or {})
        try:
            return _Report(deps, state, slots).advance(
                state.get("turn_text", ""), first=bool(state.get("turn_first"))
            )
        except BackendError:
            return backend_failed(state.get("language", "it"))

    def opened(state: OutageState) -> Turn:
        ok, result = tool_result(state)
        report = _Report(deps, state, dict(state.get("turn_slots") or {}))
        so_far = state.get("turn_reply") or {}
        report.reply = Reply(
            so_far.get("reply", ""),
            citations=list(so_far.get("citations", [])),
            actions=list(so_far.get("actions", [])),
            evidence=list(so_far.get("evidence", [])),
        )
        try:
            return report.opened(ok, result)
        except BackendError:
            return backend_failed(state.get("language", "it"))

    def answer(state: OutageState) -> Turn:
        question = state.get("turn_text", "")
        if hazard := state.get("turn_hazard"):
            sheet = sheet_for(hazard, None)
            after = sheet.after[state.get("language", "it")]
            reply = Reply(after, citations=[sheet.citation()], evidence=[after])
            reply.act("safety_instructions", True, sheet.hazard)
            if state.get("turn_answer"):
                reply = reply.then(
                    knowledge_reply(
                        deps,
                        question,
                        state.get("language", "it"),
                        verticals=["outage"],
                        commodity=sheet.commodity,
                    )
                )
            return leave("respond", reply.update(answered_flow=None))  # said once
        # The boiler is neither gas nor water alone: "la caldaia non parte, il fornello però
        # funziona" was searched in the gas documents only, and the boiler is in the water's.
        commodity = None if home_heating_only(question) else commodity_in(question)
        reply = knowledge_reply(
            deps, question, state.get("language", "it"), verticals=["outage"], commodity=commodity
        )
        return leave("respond", reply.update())

    return compile_vertical(
        "outage",
        {
            **agent_steps(deps, "outage", read_tools),
            "gate": (gate, ("emergency", "number", "status", "report", "answer")),
            "emergency": (emergency, ("emergency_tools",)),
            "emergency_tools": (tool_node(emergency_tools(deps)), ("emergency_opened",)),
            "emergency_opened": (emergency_opened, ()),
            "number": (number, ()),
            "status": (status, ()),
            "report": (report, ("tools",)),
            "tools": (tool_node(write_tools(deps)), ("opened",)),
            "opened": (opened, ()),
            "answer": (answer, ()),
        },
        state=OutageState,
        entry="agent",
    )


class _Report:
    """One turn of a fault report or planned-works question: take what the message says,
    then ask for the next missing thing, answer from planned works, or confirm and open."""

    def __init__(self, deps: GraphDeps, state: ConversationState, slots: dict[str, Any]) -> None:
        self.deps = deps
        self.state = state
        self.slots = slots
        self.language = state.get("language", "it")
        self.code = state.get("customer_code") if state.get("identified") else None
        self.thread = state.get("user_id", "")
        self.notes: list[str] = []  # lines put before this turn's question
        self.reply = Reply("")

    # Reading the message

    def _take(self, text: str, step: str | None) -> None:
        slots = self.slots
        markers, rest = find_markers(text)
        slots["tags"] = list(dict.fromkeys([*slots.get("tags", []), *markers.tags()]))
        for key, found in (
            ("commodity", commodity_of(rest)),
            ("problem", problem_of(rest)),
            ("scope", scope_of(rest)),
        ):
            if not slots.get(key) and found:
                slots[key] = found
        address = find_address(rest)
        if address is not None and not slots.get("supply_id"):
            slots["street"] = address.street or slots.get("street")
            slots["commune"] = address.commune or slots.get("commune")
        elif step == "address" and not (_says_something_else(rest) or is_question(text)):
            slots["commune"] = bare_commune(rest) or slots.get("commune")
        if slots.get("street") and slots.get("commune") and not slots.get("supply_id"):
            slots["street"] = without_commune(slots["street"], slots["commune"])
        if step is None:
            slots["description"] = rest[:300]
        elif step == "confirm" and not (is_yes(text) or is_no(text)) and len(rest) > 3:
            # a detail added to the report; a question is answered, not reported ("how long
            # will it take?" went to the distributor as part of the fault, unanswered)
            if not is_question(text):
                slots["description"] = f"{slots.get('description', '')} / {rest}"[:300]

    # Replies

    def _say(self, reply: Reply, **update: Any) -> Turn:
        return leave("respond", reply.update(**update))

    def _ask(self, step: str, text: str, choices: list[Choice] | None = None) -> Turn:
        self.reply.text = "\n".join([*self.notes, text])
        self.reply.choices = choices or []
        flow = {"vertical": "outage", "step": step, "slots": self.slots}
        return self._say(self.reply, flow=flow)

    def _done(self, *lines: str, supply: Supply | None = None, tell: bool = True) -> Turn:
        """A final answer; with the distributor's number whenever the commodity is known."""
        told = [self._distributor_line(supply)] if tell and self.slots.get("commodity") else []
        self.reply.text = "\n".join([*lines, *told])
        answered = {"vertical": "outage", "step": "answered", "slots": self.slots}
        return self._say(self.reply, flow=None, answered_flow=answered)

    def _distributor_line(self, supply: Supply | None = None) -> str:
        name, phone = distributor(self.slots["commodity"], supply)
        self.reply.evidence.append(f"{name} {phone}")
        return render(TEMPLATES, "distributor", self.language, distributor=name, phone=phone)

    def _commodity(self) -> str:
        return commodity_name(self.slots["commodity"], self.language)

    # The procedure

    def advance(self, text: str, first: bool = False) -> Turn:
        flow = self.state.get("flow") or {}
        step = None if first else flow.get("step")
        if self.slots.pop("not_filed_yet", False):
            self.notes.append(render(TEMPLATES, "not_filed_yet", self.language))
        before = {k: v for k, v in self.slots.items() if k != "tags"}
        self._take(text, step)
        slots, language = self.slots, self.language
        took = {k: v for k, v in slots.items() if k != "tags"} != before
        answers_confirm = step == "confirm" and (is_yes(text) or is_no(text))
        if step is not None and not took and not answers_confirm and is_question(text):
            self._side_answer(text)
        customer = self.deps.backend.get_customer(self.code) if self.code else None
        report = slots.get("intent") == "report"

        if not slots.get("commodity") and customer is not None and report:
            active = [s for s in customer.supplies if s.status != "inactive"]
            if len(active) == 1:
                slots["commodity"] = active[0].commodity
        if not slots.get("commodity") and report:
            choices = [
                Choice(id=c, title=commodity_name(c, language).capitalize()) for c in COMMODITIES
            ]
            return self._ask("commodity", render(TEMPLATES, "ask_commodity", language), choices)

        supply = self._supply(customer, text) if customer and slots.get("commodity") else None
        if isinstance(supply, Command):
            return supply
        if supply is not None and supply.status == "suspended" and report:
            self.reply.act("get_supply", True, supply.model_dump_json())
            return self._done(
                render(TEMPLATES, "suspended", language, address=supply.address), tell=False
            )
        if not slots.get("commune") and customer is not None and not report:
            communes = {s.commune for s in customer.supplies if s.status != "inactive"}
            slots["commune"] = communes.pop() if len(communes) == 1 else None
        if slots.get("commodity") and not slots.get("told_distributor"):
            slots["told_distributor"] = True
            self.notes.append(self._distributor_line(supply))
            self._hint()  # "only at my place, what do I check?": answered before the address

        commune, street = slots.get("commune"), slots.get("street")
        if not commune:
            if street:
                return self._ask(
                    "address", render(TEMPLATES, "ask_commune", language, street=street)
                )
            return self._ask("address", render(TEMPLATES, "ask_address", language))
        place = f"{commune}|{street or ''}"
        if slots.get("checked_place") != place:  # planned works, once per place
            planned = self._planned(commune, street)
            if planned is not None:
                return planned
            slots["checked_place"] = place
        if not street:
            return self._ask("address", render(TEMPLATES, "ask_street", language, commune=commune))
        if customer is not None and supply is not None:
            duplicate = self._already_open(customer, supply)
            if duplicate is not None:
                return duplicate
        if not slots.get("scope"):
            choices = [
                Choice(id="home", title=render(TEMPLATES, "scope_home", language)),
                Choice(id="area", title=render(TEMPLATES, "scope_area", language)),
            ]
            return self._ask("scope", render(TEMPLATES, "ask_scope", language), choices)
        if step == "confirm" and is_yes(text):
            return self._open(supply)
        if step == "confirm" and is_no(text):
            self.deps.audit.record(
                self.thread,
                "policy",
                "consent_refused",
                "customer declined the fault report",
                customer_code=self.code,
            )
            return self._done(render(TEMPLATES, "ticket_declined", language), supply=supply)
        return self._confirm(customer, supply)

    def _side_answer(self, text: str) -> None:
        """A question in the middle of the report that answers nothing of it ("quanto ci vuole
        secondo voi?" to "only at your place or the neighbours too?"): its answer from the
        documents, then the report's question again. It got the question again, unanswered."""
        if has_no_subject(text) and not asks_for_a_figure(text):
            return  # "c'est normal ?": nothing the documents answer; the question is asked again
        # "how long does it take?", "am I owed anything?" are about this fault: searched with
        # what was reported ("mi spetta un rimborso?" alone quoted the arrears' refunds)
        side = knowledge_reply(
            self.deps,
            text,
            self.language,
            about=self.slots.get("description"),
            # the faults' documents' best passage is read too ("how long will it take?" in
            # English found only the switching guide), but the answer is judged as for any
            # question (a vague one is better unanswered than answered with the gas bonus)
            verticals=["outage"],
            in_domain=False,
            commodity=self.slots.get("commodity"),
            # no hazard was reported: safety guides are not quoted as answers ("c'est normal ?"
            # after "plus de gaz" quoted the signs of a gas leak)
            doc_type=[t for t in get_args(DocType) if t != "safety"],
            max_sentences=2,
        )
        if side.citations:
            self.notes.append(side.text)
            self.reply.citations.extend(side.citations)
            self.reply.evidence.extend(side.evidence)
        self.reply.actions.extend(side.actions)

    def _supply(self, customer: Customer, text: str) -> Supply | None | Turn:
        """The customer's supply of the reported commodity (a choice when there are several);
        None when they have none of that commodity (then the address is asked)."""
        slots = self.slots
        own = [s for s in customer.supplies if s.commodity == slots["commodity"]]
        if not own:
            return None
        pick = pick_supply(
            customer.model_copy(update={"supplies": own}),
            text,
            self.language,
            slots.get("supply_id"),
        )
        if pick.supply is None:
            return self._ask("supply", render(TEMPLATES, "ask_supply", self.language), pick.choices)
        slots["supply_id"] = pick.supply.supply_id
        slots["street"], slots["commune"] = pick.supply.address, pick.supply.commune
        return pick.supply

    def _planned(self, commune: str, street: str | None) -> Turn | None:
        """Planned works answer the question: an active one where the customer is, or the
        list asked for. None when the report goes on."""
        slots, language = self.slots, self.language
        now = self.deps.clock()
        commodity = slots.get("commodity")
        outages = planned_outages(self.deps, commune, commodity, now)
        self.reply.act("planned_outages", True, [o.model_dump_json() for o in outages])
        self.deps.audit.record(
            self.thread,
            "tool",
            "planned_outages",
            f"{len(outages)} planned outages found",
            customer_code=self.code,
            data={"commodity": commodity, "outages": [o.outage_id for o in outages]},
        )
        active = [o for o in outages if is_active(o, now)]
        here = [o for o in active if covers(o, street)]
        if slots.get("intent") == "planned":
            if not outages:
                return self._done(render(TEMPLATES, "planned_none", language, commune=commune))
            lines = [render(TEMPLATES, "planned_list", language, commune=commune)]
            for o in outages:
                start, end = local_time(o.starts_at), local_time(o.ends_at)
                lines.append(
                    render(
                        TEMPLATES,
                        "planned_item",
                        language,
                        commodity=commodity_name(o.commodity, language),
                        day=day(start.date()),
                        start=f"{start:%H:%M}",
                        end=f"{end:%H:%M}"
                        if end.date() == start.date()
                        else f"{end:%H:%M} ({day(end.date())})",
                        area=o.area,
                    )
                )
            return self._done(*lines)
        if here:  # the street is in the works' area (or unknown yet): no ticket needed
            outage = here[0]
            ends = local_time(outage.ends_at)
            self.reply.evidence.append(outage.model_dump_json())
            return self._done(
                render(
                    TEMPLATES,
                    "planned_active",
                    language,
                    commune=outage.commune,
                    commodity=self._commodity(),
                    area=outage.area,
                    reason=outage.reason,
                    time=f"{ends:%H:%M}",
                    day=day(ends.date()),
                )
            )
        if active:
            self.notes.append(
                render(
                    TEMPLATES, "planned_elsewhere", language, commune=commune, area=active[0].area
                )
            )
        return None

    def _already_open(self, customer: Customer, supply: Supply) -> Turn | None:
        category = f"{supply.commodity}_outage"
        same = [
            t
            for t in self.deps.backend.list_tickets(customer.code)
            if t.category == category and t.supply_id == supply.supply_id
        ]
        ticket = latest_open_ticket(same)
        if ticket is None:
            return None
        self.reply.act("list_tickets", True, ticket.model_dump_json())
        status = render(TEMPLATES, f"status_{ticket.status}", self.language)
        return self._done(
            render(
                TEMPLATES, "already_open", self.language, ticket=ticket.ticket_id, status=status
            ),
            supply=supply,
        )

    def _problem(self) -> str:
        slots, language = self.slots, self.language
        problem = slots.get("problem") or "no_supply"
        if problem == "no_supply":
            return render(TEMPLATES, f"problem_no_supply_{slots['commodity']}", language)
        return render(TEMPLATES, f"problem_{problem}", language, commodity=self._commodity())

    def _hint(self) -> None:
        """Only this home without supply: what to check first (the meter, the breaker, the
        main valve), with its passage, once per report."""
        slots, language = self.slots, self.language
        hint = HINTS.get(slots["commodity"])
        if slots.get("scope") == "home" and hint and not slots.get("hint_shown"):
            slots["hint_shown"] = True
            key, query = hint
            self.notes.append(render(TEMPLATES, key, language))
            try:
                found = retrieve(
                    self.deps, query, verticals=["outage"], commodity=slots["commodity"], k=1
                )
            except KnowledgeUnavailable:  # the hint stands without its citation
                found = []
            self.reply.cite(found)

    def _confirm(self, customer: Customer | None, supply: Supply | None) -> Turn:
        slots, language = self.slots, self.language
        self._hint()
        if customer is not None and customer.life_support and slots["commodity"] == "electricity":
            self.notes.append(render(TEMPLATES, "life_support", language))
        tags = slots.get("tags", [])
        items = [
            render(
                TEMPLATES,
                "extra_location" if t.startswith("[location") else "extra_image",
                language,
            )
            for t in tags
        ]
        extras = (
            render(TEMPLATES, "extras", language, items=", ".join(items))
            if items
            else "\n" + render(TEMPLATES, "attach_hint", language)
        )
        scope = slots.get("scope") or "unknown"
        text = render(
            TEMPLATES,
            "confirm",
            language,
            distributor=distributor(slots["commodity"], supply)[0],
            problem=self._problem(),
            scope=render(TEMPLATES, f"scope_label_{scope}", language),
            address=_address(slots),
            extras=extras,
        )
        choices = yes_no(language, yes=render(TEMPLATES, "yes", language))
        return self._ask("confirm", text, choices)

    def _open(self, supply: Supply | None) -> Turn:
        """The customer confirmed: the `tools` step opens the ticket (the same tool call an
        LLM would make), then `opened` tells the customer."""
        slots = self.slots
        call = call_tool(
            "open_ticket",
            commodity=slots["commodity"],
            problem=slots.get("problem") or "no_supply",
            address=_address(slots),
            scope=slots.get("scope"),
            description=slots.get("description", ""),
            supply_id=supply.supply_id if supply else None,
            tags=list(slots.get("tags", [])),
        )
        return Command(
            goto="tools",
            update={**call, "turn_slots": slots, "turn_reply": self.reply.update()},
        )

    def opened(self, ok: bool, result: str) -> Turn:
        """After the `tools` step: the ticket's number and who repairs the fault."""
        language = self.language
        supply = None
        if self.code and self.slots.get("supply_id"):
            customer = self.deps.backend.get_customer(self.code)
            supply = next(
                (s for s in customer.supplies if s.supply_id == self.slots["supply_id"]), None
            )
        if not ok:
            self.reply.act("open_ticket", False, args={"category": "outage"})
            return self._done(render(COMMON, "error", language), supply=supply)
        ticket = Ticket.model_validate_json(result)
        self.deps.audit.record(
            self.thread,
            "tool",
            "open_ticket",
            f"{self.slots['commodity']} fault reported; customer confirmed",
            customer_code=self.code,
            data={
                "ticket_id": ticket.ticket_id,
                "category": ticket.category,
                "priority": ticket.priority,
                "attachments": len(self.slots.get("tags", [])),
            },
        )
        self.reply.act(
            "open_ticket",
            True,
            ticket.ticket_id,
            args={"category": ticket.category, "priority": ticket.priority},
        )
        name, _ = distributor(self.slots["commodity"], supply)
        return self._done(
            render(TEMPLATES, "ticket_opened", language, ticket=ticket.ticket_id, distributor=name),
            supply=supply,
        )


def _says_something_else(text: str) -> bool:
    """An answer to "which town?" that is about something else (reach, yes/no, a commodity)."""
    return bool(
        scope_of(text) or problem_of(text) or commodity_of(text) or is_yes(text) or is_no(text)
    )


def _address(slots: dict[str, Any]) -> str:
    street, commune = slots.get("street") or "", slots.get("commune") or ""
    if commune.lower() in street.lower():  # a supply's address names its commune already
        return street
    return ", ".join(p for p in (street, commune) if p)


def _any_opened(deps: GraphDeps, state: ConversationState) -> bool:
    return bool(tickets_opened_here(deps, state.get("user_id", "")))


def _status(deps: GraphDeps, state: ConversationState, text: str, **update: Any) -> Turn:
    """A ticket's status and latest update: the one named, else the latest open one; only
    the customer's own tickets, or those opened in this conversation."""
    language = state.get("language", "it")
    thread = state.get("user_id", "")
    code = state.get("customer_code") if state.get("identified") else None
    here = tickets_opened_here(deps, thread)
    wanted = find_ticket_id(text)
    reply = Reply("")
    if code is None and (wanted not in here if wanted else not here):
        return leave(
            "identify",
            {"pending_route": "outage", "pending_text": text, "route": "identify", **update},
        )
    ticket: Ticket | None
    if wanted:
        try:
            ticket = deps.backend.get_ticket(wanted)
        except NotFoundError:
            ticket = None
        if ticket is None or (wanted not in here and ticket.customer_code != code):
            deps.audit.record(
                thread,
                "policy",
                "ticket_refused",
                "ticket not found" if ticket is None else "ticket of another customer",
                ok=False,
                customer_code=code,
                data={"ticket_id": wanted},
            )
            reply.text = render(TEMPLATES, "ticket_not_yours", language, ticket=wanted)
            return leave("respond", reply.update(**update))
    else:
        mine = deps.backend.list_tickets(code) if code else []
        known = {t.ticket_id for t in mine}
        mine += [deps.backend.get_ticket(t) for t in here if t not in known]
        ticket = latest_open_ticket(mine)
        reply.act("list_tickets", True)
        if ticket is None:
            if problem_of(text):  # "no power, send a technician": a report, not a follow-up
                slots = {"intent": "report", "urgency": state.get("urgency", "normal")}
                return _Report(deps, state, slots).advance(text, first=True)
            reply.text = render(TEMPLATES, "no_open_ticket", language)
            return leave("respond", reply.update(**update))
    deps.audit.record(
        thread,
        "tool",
        "get_ticket",
        "customer asked how a ticket is going",
        customer_code=code,
        data={"ticket_id": ticket.ticket_id, "status": ticket.status},
    )
    reply.act("get_ticket", True, ticket.model_dump_json())
    reply.text = "\n".join(_status_lines(ticket, language))
    return leave("respond", reply.update(**update))


def _status_lines(ticket: Ticket, language: str) -> list[str]:
    opened = day(local_time(ticket.created_at).date()) if ticket.created_at else "-"
    lines = [
        render(
            TEMPLATES,
            "status",
            language,
            ticket=ticket.ticket_id,
            kind=ticket_kind(ticket, language),
            opened=opened,
            status=render(TEMPLATES, f"status_{ticket.status}", language),
        )
    ]
    if ticket.updates:
        last = ticket.updates[-1]
        at = local_time(last.at)
        lines.append(
            render(
                TEMPLATES,
                "last_update",
                language,
                at=f"{day(at.date())} {at:%H:%M}",
                note=last.note,
            )
        )
    commodity = commodity_of_ticket(ticket)
    if commodity is None or not is_fault_ticket(ticket):
        return lines
    name, phone = DISTRIBUTORS[commodity]
    if ticket.status in ("open", "accepted"):
        lines.append(render(TEMPLATES, "eta_unknown", language, distributor=name, phone=phone))
    elif ticket.status in ("resolved", "closed"):
        lines.append(render(TEMPLATES, "resolved_hint", language, phone=phone))
    return lines
