"""Policy in code: who may see personal data (customer code + one-time code), lockouts,
opt-out, and which questions touch an account at all."""

from __future__ import annotations

import hashlib
import hmac
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

_GREETING = re.compile(
    r"^(ciao|buongiorno|buonasera|salve|hi|hello|hey|bonjour|bonsoir|salut)"
    r"\W+"
)
# Signals that a message asks for the customer's own data or for an action on the account:
# answering needs the customer identified first, whatever the form of the sentence.
_OWN_DATA = re.compile(
    r"\b(quanto (devo|pago|ho pagato|mi resta)|how much (do )?i (owe|pay)|what (do )?i owe|"
    r"combien (je dois|dois-je)|"
    r"(ho|abbiamo) (gia )?pagat\w*|i (have )?(already )?paid|j'ai (deja )?paye|"
    r"(la mia|mia|my|ma) (ultim[ao]|prossim[ao]|last|latest|next|derniere|prochaine) "
    r"(bolletta|fattura|rata|scadenza|bill|invoice|facture|echeance)|"
    r"(amount|total) of my|importo della mia|montant de ma|"
    r"quando scade (la |il |l')?(bolletta|fattura|rata)|"
    r"(ultim[ao]|prossim[ao]) (bolletta|fattura|rata|scadenza)|(last|latest|next) (bill|invoice)|"
    r"(derniere|prochaine) facture|(voglio|vorrei|devo|posso) (vedere|sapere quanto|avere|"
    r"ricevere|controllare)|i (want|would like|need) to (see|check|get)|"
    r"je (veux|voudrais) (voir|recevoir)|mandami|inviami|mi mandate|mi mandi|send me|"
    r"fammi vedere|mostrami|show me|montrez-moi|"
    r"envoyez-moi|copia|duplicat\w*|pdf|copy|copie|quando scade la mia|when is my bill due|"
    # (also "e quella di settembre?" after a bill was shown)
    r"(bolletta|fattura|bill|facture|quella|quello|that one|the one|celle|celui) (di|of|de|for) "
    r"(gennaio|febbraio|marzo|aprile|maggio|"
    r"giugno|luglio|agosto|settembre|ottobre|novembre|dicembre|january|february|march|april|"
    r"may|june|july|august|september|october|november|december|janvier|fevrier|mars|avril|"
    r"mai|juin|juillet|aout|septembre|octobre|novembre|decembre)|lm\s?\d{8}|"
    r"spiegami la mia|explain my|due volte|twice|deux fois)\b"
)
# In a question, only these need the account before anything can be answered: the amount,
# due date or copy of the customer's own bill, a payment they made and a reminder. Other
# questions, even about "my bill", get the documents' answer first and then the offer.
_OWN_QUESTION = re.compile(
    r"\b(quanto (devo|mi resta)|how much (do )?i owe|what (do )?i owe|combien (je dois|dois-je)|"
    r"(la mia|mia|my|ma|mon) (ultim[ao]|prossim[ao]|last|latest|next|derniere|prochaine) "
    r"(bolletta|fattura|rata|scadenza|bill|invoice|facture|echeance)|"
    r"(amount|total) of my|importo della mia|montant de ma|"
    r"quando scade (la |il |l')?(mia |prossima )?(bolletta|fattura|rata)|"
    r"when is my|quand est ma|"
    r"(pagat\w*|paid|paye)\b.{0,40}\b(sollecit\w*|reminder|relance)|"
    r"mandami|inviami|send me|envoyez-moi|copia|duplicat\w*|pdf|copy|copie|"
    # (also "e quella di settembre?" after a bill was shown)
    r"(bolletta|fattura|bill|facture|quella|quello|that one|the one|celle|celui) (di|of|de|for) "
    r"(gennaio|febbraio|marzo|aprile|maggio|"
    r"giugno|luglio|agosto|settembre|ottobre|novembre|dicembre|january|february|march|april|"
    r"may|june|july|august|september|october|november|december|janvier|fevrier|mars|avril|"
    r"mai|juin|juillet|aout|septembre|octobre|novembre|decembre)|lm\s?\d{8}|"
    r"spiegami la mia|explain my|due volte|twice|deux fois)\b"
)
# A copy of a bill asked for as a question ("mi mandi l'ultima bolletta?", "can you send me
# my bill?"), not when or how often bills are sent ("ogni quanto mi mandate la bolletta?").
_SEND_ME_A_BILL = re.compile(
    r"\b(mi (mandi|mandate|invii|inviate|rimandi|puoi mandare|puoi inviare|potete mandare|"
    r"potete inviare|fai vedere|fate vedere|puoi far vedere|mostri|mostrate)|"
    r"(puoi|potete|potresti|potreste) (mandarmi|inviarmi|rimandarmi|mostrarmi)|"
    r"(can|could|would) you show me|show me|"
    r"(pouvez|pourriez|peux|pourrais)-?(vous|tu)? me montrer|"
    r"(can|could|would) you (re)?send|(pouvez|pourriez|peux|pourrais)-?(vous|tu)? "
    r"m'?(envoyer|renvoyer))\b.{0,30}(bollett|fattur|bill|invoice|factur)\w*"
)
_WHEN = re.compile(
    r"\b(quando|ogni quanto|in quanto tempo|when|how often|how long|quand|tous les combien|"
    r"combien de temps)\b"
)
# The customer's own records named ("il mio ultimo pagamento", "le mie letture", "my
# requests"): a question about them is answered from their account, unless it asks how to
# do something ("come invio la mia lettura?").
_OWN_RECORDS = re.compile(
    r"\b(i miei|le mie|il mio|la mia|my|mes|mon|ma) (ultim\w* |precedent\w* |last |latest |"
    r"previous |dernier\w* )?(pagament\w*|payments?|paiements?|versament\w*|lettur\w*|"
    r"readings?|releves?|consum\w*|consumption|piani|plans?|segnalazion\w*|tickets?|"
    r"pratich\w*|richiest\w*|requests?|demandes?|consensi|consents?)\b|"
    r"\b(quando ho pagato|when did i pay|quand (ai-je|j'ai) paye)\b"
)
_HOW_TO = re.compile(
    r"^(e |and |et )?(come|how|comment|dove|where|ou|cosa devo|what (should|do) i|que dois-je|"
    r"posso|can i|je peux|puis-je|si puo|devo)\b"
)
# A request to start a procedure that writes (a plan, a reading).
_ACT = {
    "instalments": re.compile(
        r"\b((voglio|vorrei|devo|desidero|ho bisogno di) (rateizzare|pagare a rate|dilazionare|"
        r"fare (la|una) rateizzazione|un piano)|rateizzami|"
        r"(voglio|vorrei|devo|desidero) pagare\b.{0,30}\b(a|in) rate|"
        r"i('d| would| want| need)( like)? (to pay in instal|to spread|a payment plan|"
        r"an instal)|i('d| would| want| need)( like)? to (pay|split|spread)\b.{0,30}\binstal|"
        r"je (veux|voudrais|souhaite) (payer en plusieurs|echelonner|etaler)|"
        r"je (veux|voudrais|souhaite) (payer|regler)\b.{0,30}\ben plusieurs fois)"
    ),
    "self_reading": re.compile(
        r"((comunic|invi|mand|dare|dar|trasmett|send|submit|give|envoy|transmet|donner)\w*|"
        r"\b(fare|faccio|effettuare|do|make|faire|fais)\b)"
        r".{0,30}(lettur|autolettur|reading|releve|index)"
    ),
}
# Done already: "ho mandato la lettura ma la bolletta è stimata" is about the bill.
_DONE = re.compile(
    r"\b((ho|abbiamo) (gia )?(mandato|inviato|comunicato|dato|trasmesso|fatto)|"
    r"i (already )?(sent|gave|submitted|did)|i've (already )?(sent|given|submitted|done)|"
    r"(j'ai|on a|nous avons) (deja )?(envoye|transmis|donne|fait))\b"
)


def asks_to_act(route: str, text: str) -> bool:
    """A request to start the route's procedure ("posso mandare la lettura?", "vorrei pagare
    a rate"), not a report that it was done."""
    act = _ACT.get(route)
    folded = fold(text)
    return bool(act and act.search(folded)) and not _DONE.search(folded)


# A question about how things work (a question word first, or a question mark).
_QUESTION = re.compile(
    r"^(e |and |et |ma |but |mais )?(come|cosa|cos'?\s?e|che|chi|quando|entro quando|quant[aeio]|qual[ei]?|perche|dove|"
    r"posso|si puo|devo|ci sono|e vero|how|what|why|when|which|who|where|can|do|does|is|are|"
    # "c'est quoi", "c'est combien"; "c'est tout", "c'est bon" close
    r"should|comment|pourquoi|quand|combien|quel(le)?s?|est-ce|"
    r"c'?est(?!\s+(?:tout|bon|parfait|ok|note|gentil|super|clair|compris|fait|ca)\b)|"
    r"qui|ou|je peux|puis-je|"
    r"faut-il|y a-t-il)\b"
)
# The customer's own bill or meter named: a question about it earns the offer to check it.
_MINE = re.compile(
    r"\b(mi[aeo]|miei|mie|my|mine|ma|mon|mes|notre|our|la nostra|il nostro|posso|can i|"
    r"je peux|puis-je|ho |i have|j'ai|mi e arrivat\w*|i got|j'ai recu|(non )?mi arriv\w*|"
    r"(haven't|have not|never|didn't|did not) (received|got)|je n'ai pas recu|je ne recois)\b|"
    r"(bollett|fattur|bill|facture)\w*.{0,30}(alt[ao]|altissim\w*|car[ao]|salat[ao]|troppo|"
    r"high|expensive|elevee|chere|sbagliat\w*|wrong|erreur)"
)


def _clauses(folded: str) -> list[str]:
    """Sentences and their comma-separated clauses: "trasloco a fine mese, entro quando mi
    arriva l'ultima bolletta" asks its question after the comma, without a question mark."""
    return [s.strip() for s in re.split(r"[.!?\n,;:]+", folded) if s.strip()]


def is_question(text: str) -> bool:
    """A question about how things work: a question mark, or a sentence or clause opening
    with a question word (greetings aside)."""
    folded = _GREETING.sub("", fold(text).strip())
    return "?" in text or any(_QUESTION.match(s) for s in _clauses(folded))


def asks_besides(text: str, own: re.Pattern[str]) -> bool:
    """Whether a message that names the customer's own data (`own`, matched on folded text)
    also asks how things work in another clause: "ho il bonus idrico ma sono indietro con le
    bollette, rischiano di chiudermi l'acqua?" is answered from the documents first, then
    the check of the customer's own bonus is offered."""
    folded = _GREETING.sub("", fold(text).strip())
    clauses = [c for part in re.split(r"\b(?:ma|pero|but|mais)\b", folded) for c in _clauses(part)]
    asking = "?" in text
    return any(
        not own.search(clause) and (asking or _QUESTION.match(clause)) and len(clause) > 12
        for clause in clauses
    )


OPT_IN = frozenset({"avvisi", "alerts", "alertes", "start", "riattiva avvisi"})


# A copy of a bill asked for ("mandami il pdf della bolletta", "send me a copy of my bill").
_A_COPY = re.compile(
    r"\b(pdf|copi[ae]|duplicat\w*|copy|duplicate)\b.{0,40}\b(bollett\w*|fattur\w*|bills?|"
    r"invoices?|factures?)\b|\b(bollett\w*|fattur\w*|bills?|invoices?|factures?)\b.{0,20}\bpdf\b"
)


def asks_for_a_copy(text: str) -> bool:
    """Whether a message asks for a copy of a bill: a request of its own in any procedure."""
    return bool(_A_COPY.search(fold(text)))


def needs_identity(route: str, text: str) -> bool:
    """Whether answering needs the customer identified now: the message asks for their own
    data ("how much do I owe", "my last bill", "send me a copy"), gives a meter reading, or
    asks to start a procedure that writes ("I want to pay in instalments") without asking
    anything about how it works. Everything else is answered from the documents first."""
    if route not in PERSONAL_DATA_ROUTES:
        return False
    folded = _GREETING.sub("", fold(text).strip())
    if route == "self_reading" and re.search(r"\d{3,}", re.sub(r"lm\s?\d{8}", "", folded)):
        return True  # a reading to record
    question = is_question(text)
    if (_OWN_QUESTION if question else _OWN_DATA).search(folded):
        return True
    if (
        question
        and _SEND_ME_A_BILL.search(folded)
        and not _WHEN.search(folded)
        and not re.search(r"\b(come|how|comment)\b", folded)  # "show me how to read it"
    ):
        return True
    if _OWN_RECORDS.search(folded) and not any(_HOW_TO.match(c) for c in _clauses(folded)):
        return True
    act = _ACT.get(route)
    return bool(act and act.search(folded)) and not question


def asks_how_things_work(route: str, text: str) -> bool:
    """A question about how things work that names nothing of the customer's own ("e gli
    oneri di sistema cosa sono?"): answered from the documents even once they are identified,
    not with their account."""
    return (
        is_question(text) and not needs_identity(route, text) and not offers_identity(route, text)
    )


def offers_identity(route: str, text: str) -> bool:
    """After a documents answer: whether to offer to check the customer's own account (the
    question names their bill or meter, or asks to start a procedure)."""
    if route not in PERSONAL_DATA_ROUTES:
        return False
    folded = _GREETING.sub("", fold(text).strip())
    act = _ACT.get(route)
    return bool(_MINE.search(folded) or (act and act.search(folded)))


def code_hash(secret: bytes, thread: str, code: str) -> str:
    """A one-time code as kept in the checkpoint: HMAC-SHA256 under the server secret, bound
    to the thread, so a checkpoint dump alone cannot be brute-forced."""
    return hmac.new(secret, f"{thread}\x1f{code}".encode(), hashlib.sha256).hexdigest()


def code_matches(secret: bytes, thread: str, code: str, stored: str) -> bool:
    return hmac.compare_digest(code_hash(secret, thread, code), stored)


def identification_lapsed(
    state: ConversationState, now: datetime, idle_minutes: int, max_minutes: int
) -> str | None:
    """Why an identification no longer holds (idle too long, or too old), else None."""
    if not state.get("identified"):
        return None
    since = state.get("identified_at")
    active = state.get("active_at") or since
    if since and now - datetime.fromisoformat(since) > timedelta(minutes=max_minutes):
        return f"identified more than {max_minutes} minutes ago"
    if active and now - datetime.fromisoformat(active) > timedelta(minutes=idle_minutes):
        return f"idle for more than {idle_minutes} minutes"
    return None


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
                verified = deps.limiter.hit(
                    "otp_verify", f"customer:{challenge['customer_code'] or 'unknown'}"
                )
                if not verified.allowed:
                    # Guesses for one customer code are counted across every thread.
                    deps.audit.record(
                        thread, "policy", "otp_verify_limited", verified.rule, ok=False
                    )
                    minutes = max(1, -(-verified.retry_after // 60))
                    return done(
                        Reply(render(TEMPLATES, "locked", language, minutes=minutes)), otp=None
                    )
                if challenge["customer_code"] and code_matches(
                    deps.secret, thread, code, challenge["code_hash"]
                ):
                    customer_code = challenge["customer_code"]
                    deps.audit.record(
                        thread,
                        "policy",
                        "identified",
                        "customer code and one-time code verified",
                        customer_code=customer_code,
                    )
                    pending = state.get("pending_route")
                    reply = Reply(render(TEMPLATES, "identified", language))
                    if pending is None:  # nothing asked yet: say so and ask what they need
                        reply.text += "\n\n" + render(TEMPLATES, "greeting", language)
                    return Command(
                        goto=pending or "respond",
                        update={
                            **reply.update(),
                            "identified": True,
                            "identified_at": now.isoformat(),
                            "active_at": now.isoformat(),
                            "customer_code": customer_code,
                            "otp": None,
                            "otp_failures": 0,
                            "pending_route": None,
                            "route": pending or "general",
                            "notice": reply.text if pending else None,
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
        # One-time codes cost an SMS and are a guessing window: limited per customer code and
        # per thread, whether or not the code exists (the answer must not tell them apart).
        allowed = deps.limiter.hit("otp_send", f"customer:{found_code}", f"thread:{thread}")
        if not allowed.allowed:
            deps.audit.record(thread, "policy", "otp_send_limited", allowed.rule, ok=False)
            minutes = max(1, -(-allowed.retry_after // 60))
            return done(Reply(render(TEMPLATES, "otp_limited", language, minutes=minutes)))
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
            code_hash=code_hash(deps.secret, thread, code),
            expires_at=(now + timedelta(minutes=deps.otp_ttl_minutes)).isoformat(),
            attempts=0,
        )
        return done(Reply(render(TEMPLATES, "otp_sent", language)), otp=challenge_new)

    return identify


_THANKS = ("grazie", "thanks", "thank you", "merci", "ok grazie", "perfetto")
# A few words of thanks, whatever opens them ("parfait merci beaucoup", "super, grazie mille",
# "ok perfect thank you so much"): searched as a question, they quoted whatever passage came
# closest (an offer sheet's withdrawal terms).
_SHORT_THANKS = re.compile(
    r"^(\W*\w+){0,3}\W*\b(grazie|thanks|thank you|thx|merci|cheers)\b(\W*\w+){0,3}\W*$"
)


def is_thanks(text: str) -> bool:
    """Thanks, perhaps with a few words around them ("ok grazie mille", "parfait merci")."""
    folded = fold(text).strip(" .!?")
    return any(folded.startswith(w) for w in _THANKS) or bool(_SHORT_THANKS.match(folded))
