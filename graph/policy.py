"""Policy in code: who may see personal data (customer code + one-time code), lockouts,
opt-out, and which questions touch an account at all."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from langgraph.types import Command

from graph.backends.ports import BackendError, NotFoundError
from graph.deps import GraphDeps
from graph.prompts import render
from graph.prompts.common import TEMPLATES
from graph.reply import Reply, user_text
from graph.slots import find_customer_code, find_otp
from graph.state import PERSONAL_DATA_ROUTES, ConversationState, OtpChallenge
from knowledge.sparse import fold

# Questions about how things work in general, which need no account data.
_GREETING = re.compile(
    r"^(ciao|buongiorno|buonasera|salve|hi|hello|hey|bonjour|bonsoir|salut)"
    r"\W+"
)
_GENERIC = re.compile(
    r"^(cos'?\s?e|cosa (e|sono|significa|vuol dire)|come (si|funziona|leggo|leggere|faccio a "
    r"leggere)|che cos(a|')?\s?(e|sono)?|quali sono|what (is|are|does)|how (do|does|to)|"
    r"qu'?est[- ]ce|comment (lire|fonctionne)|que (signifie|veut dire)|c'?est quoi)\b"
)
# Signals that a message is about the customer's own account, not how things work.
_ACCOUNT = re.compile(
    r"\b(mi[aeo]|miei|mie|my|mine|ma|mon|mes|notre|our|la nostra|il nostro|"
    r"quanto (devo|pago|ho pagato)|how much do i (owe|pay)|combien (je dois|dois-je)|"
    r"(ho|abbiamo) (gia )?pagat\w*|i (have )?paid|j'ai (deja )?paye|"
    r"(ultim[ao]|prossim[ao]) (bolletta|fattura|rata|scadenza)|(last|latest|next) (bill|invoice)|"
    r"(derniere|prochaine) facture|(voglio|vorrei|devo|posso) (vedere|sapere|pagare|avere|"
    r"ricevere|controllare)|i (want|would like|need) to (see|know|check|pay|get)|"
    r"je (veux|voudrais) (voir|savoir|payer|recevoir)|mandami|inviami|mi mandate|send me|"
    r"envoyez-moi|copia|duplicat\w*|pdf|copy|copie|quando scade|when is (my|the) bill due|"
    r"(bolletta|fattura|bill|facture) (di|of|de) (gennaio|febbraio|marzo|aprile|maggio|"
    r"giugno|luglio|agosto|settembre|ottobre|novembre|dicembre|january|february|march|april|"
    r"may|june|july|august|september|october|november|december|janvier|fevrier|mars|avril|"
    r"mai|juin|juillet|aout|septembre|octobre|novembre|decembre)|lm\s?\d{8}|"
    r"(bollett|fattur|bill|facture)\w*.{0,30}(alt[ao]|altissim\w*|car[ao]|salat[ao]|troppo|"
    r"high|expensive|elevee|chere|due volte|twice|deux fois)|due volte|twice|deux fois)\b"
)
_SEND_READING = re.compile(
    r"(comunic|invi|mand|dare|dar|trasmett|send|submit|give|envoy|transmet|donner)\w*"
    r".{0,30}(lettur|autolettur|reading|releve|index)"
)
OPT_IN = frozenset({"avvisi", "alerts", "alertes", "start", "riattiva avvisi"})


def needs_identity(route: str, text: str) -> bool:
    """Whether answering needs the customer's own data.

    Instalments always do (eligibility is computed on the real bills). A meter reading, or
    a request to send one, does; "how do I read the meter?" does not. Billing and payments
    questions do only when they are about the customer's own account ("my last bill", "how
    much do I owe", "I already paid"); how bills work in general is answered from the
    knowledge base to anyone.
    """
    if route == "instalments":
        return True
    folded = _GREETING.sub("", fold(text).strip())
    if route == "self_reading":
        return bool(re.search(r"\d", folded) or _SEND_READING.search(folded)) or not (
            _GENERIC.search(folded)
        )
    if route not in PERSONAL_DATA_ROUTES:
        return False
    return bool(_ACCOUNT.search(folded))


def _hash(user_id: str, code: str) -> str:
    return hashlib.sha256(f"{user_id}\x1f{code}".encode()).hexdigest()


def is_locked(state: ConversationState, now: datetime) -> bool:
    until = state.get("locked_until")
    return bool(until) and datetime.fromisoformat(until) > now  # type: ignore[arg-type]


def make_identify(deps: GraphDeps):  # type: ignore[no-untyped-def]
    """The identification node: customer code, then a one-time code to the registered phone."""

    def identify(state: ConversationState) -> Command:  # type: ignore[type-arg]
        language = state.get("language", "it")
        thread = state.get("user_id", "")
        now = deps.clock()
        text = user_text(state)
        update: dict[str, Any] = {}

        def done(reply: Reply, goto: str = "respond", **extra: Any) -> Command:  # type: ignore[type-arg]
            return Command(goto=goto, update={**reply.update(), **update, **extra})

        if is_locked(state, now):
            minutes = deps.lockout_minutes
            return done(Reply(render(TEMPLATES, "locked", language, minutes=minutes)))

        challenge = state.get("otp")
        if challenge:
            code = find_otp(text)
            if code is None and find_customer_code(text) is None:
                return done(Reply(render(TEMPLATES, "otp_sent", language)))
            if code is not None:
                if datetime.fromisoformat(challenge["expires_at"]) < now:
                    deps.audit.record(
                        thread, "policy", "otp_expired", "one-time code expired", ok=False
                    )
                    return done(Reply(render(TEMPLATES, "otp_expired", language)), otp=None)
                if challenge["customer_code"] and challenge["code_hash"] == _hash(thread, code):
                    customer_code = challenge["customer_code"]
                    deps.audit.record(
                        thread,
                        "policy",
                        "identified",
                        "customer code and one-time code verified",
                        customer_code=customer_code,
                    )
                    pending = state.get("pending_route") or "general"
                    reply = Reply(render(TEMPLATES, "identified", language))
                    return Command(
                        goto=pending,
                        update={
                            **reply.update(),
                            "identified": True,
                            "customer_code": customer_code,
                            "otp": None,
                            "otp_failures": 0,
                            "pending_route": None,
                            "route": pending,
                            "notice": reply.text,
                        },
                    )
                attempts = challenge["attempts"] + 1
                left = deps.otp_max_attempts - attempts
                deps.audit.record(thread, "policy", "otp_wrong", f"attempt {attempts}", ok=False)
                if left <= 0:
                    until = (now + timedelta(minutes=deps.lockout_minutes)).isoformat()
                    deps.audit.record(
                        thread, "policy", "locked", f"{attempts} wrong one-time codes", ok=False
                    )
                    return done(
                        Reply(render(TEMPLATES, "locked", language, minutes=deps.lockout_minutes)),
                        otp=None,
                        locked_until=until,
                    )
                return done(
                    Reply(render(TEMPLATES, "otp_wrong", language, left=left)),
                    otp={**challenge, "attempts": attempts},
                )

        found_code = find_customer_code(text)
        if found_code is None:
            asked_before = (
                bool(state.get("pending_route"))
                and state.get("route") == "identify"
                and state.get("pending_text") != text  # not the question that brought us here
            )
            key = (
                "bad_customer_code"
                if asked_before and re.search(r"\d", text)
                else "ask_customer_code"
            )
            return done(Reply(render(TEMPLATES, key, language)))
        code = deps.otp_fixed_code or f"{secrets.randbelow(10**6):06d}"
        known = None
        try:
            customer = deps.backend.get_customer(found_code)
            deps.backend.send_code(customer.phone, code)
            known = found_code
            deps.audit.record(
                thread,
                "policy",
                "otp_sent",
                "one-time code sent to registered phone",
                customer_code=found_code,
            )
        except NotFoundError:
            # Same answer as for a real customer: codes cannot be probed from the chat.
            deps.audit.record(
                thread, "policy", "otp_unknown_code", "customer code not found", ok=False
            )
        except BackendError:
            return done(Reply(render(TEMPLATES, "error", language)))
        challenge_new = OtpChallenge(
            customer_code=known or "",
            code_hash=_hash(thread, code),
            expires_at=(now + timedelta(minutes=deps.otp_ttl_minutes)).isoformat(),
            attempts=0,
        )
        return done(Reply(render(TEMPLATES, "otp_sent", language)), otp=challenge_new)

    return identify
