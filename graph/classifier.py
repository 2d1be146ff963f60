"""The offline brain's understanding: language, urgency and intent without an LLM.

Intent is a soft vote of labelled example phrases (graph/verticals/<name>/intents.yaml, and
graph/prompts/intents.yaml for handoff and general) embedded with
the packaged multilingual model: every example votes for its route with a weight that falls
off exponentially with its distance from the best match, so no decision hangs on which example
is ninth or tenth nearest. A small lexicon of unambiguous domain words sharpens the vote, and
near-ties go to a fixed order of routes, so the same message gets the same route on any CPU.
Urgency, opt-out and handoff requests are rules, never a model's guess.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import yaml

from graph.safety import Hazard, hazard_of
from graph.state import ROUTES
from graph.verticals import REGISTRY
from knowledge.embeddings import Embedder, EmbeddingError
from knowledge.language import detect_language
from knowledge.sparse import fold

# The routes that are not verticals (handoff, general) and the rule cues; each vertical's
# examples and lexicon are in graph/verticals/<name>/intents.yaml.
INTENTS_FILE = Path(__file__).parent / "prompts" / "intents.yaml"
VERTICALS_DIR = Path(__file__).parent / "verticals"
# How fast an example's vote falls off with its distance from the best match (cosine units).
TEMPERATURE = 0.01
# Scores are kept to this many decimals, and routes closer than NEAR_TIE are a near-tie that
# the fixed order of ROUTES settles: float noise between CPUs never changes a decision.
SCORE_DECIMALS = 4
NEAR_TIE = 0.02
# A person is reached by a rule (the handoff cues) or by a vote this sure: a bare address
# whose nearest example is "richiamatemi al 333 ..." (0.68) is not a request for one.
HANDOFF_VOTE = 0.8
LEXICON_WEIGHT = 0.6  # a domain word that settles a route outweighs most of the vote


_MARKER = re.compile(r"\[(location|image|document) [^\]]*\]")
_OPT_OUT = re.compile(
    r"^\s*(stop|stop\s*all|unsubscribe|cancel+a(mi)?|disiscrivi(mi)?|basta( messaggi)?|"
    r"non scrivetemi piu|arrete[rz]?|desabonner|desinscri(re|s-moi)|stop messages?)\W*$"
)
_INJECTION = re.compile(
    r"ignore (all |the |your )?(previous|above|prior) (instructions|rules)|"
    r"ignora (tutte )?le (istruzioni|regole)|oublie (tes|les) (instructions|regles)|"
    r"system prompt|prompt di sistema|from now on you are|d'ora in poi sei|sei ora un|"
    r"you are now (an? )?(admin|administrator|developer|unrestricted|dan)\b|"
    r"a partir de maintenant tu es|developer mode|jailbreak|"
    r"act as (an? )?(admin|administrator|developer)|disable (the )?(rules|policy|safety)|"
    # Overriding the rules, in any words: "dimentica le regole", "ignorez les règles".
    r"\b(ignor\w*|dimentic\w*|oubli\w*|forget|disregard|bypass\w*|aggira\w*)\b.{0,30}"
    r"\b(regol\w*|istruzion\w*|rules?|instructions?|regles?|consignes?|polic\w*|politique)\b|"
    # Asking for the service's own secrets.
    r"\b(dammi|dimmi|mostra\w*|stampa\w*|rivela\w*|print|show|give|tell|reveal|donne\w*|"
    r"montre\w*|affiche\w*|ecri\w*)\b.{0,40}\b(api ?(token|key)|access token|tokens?|"
    r"credenzial\w*|credentials?|chiav[ei] (api|segret\w*)|secret keys?|mots? de passe)\b"
)
# Taking over someone's supply (a bereavement, a voltura) speaks of their bills legitimately.
_TAKING_OVER = re.compile(
    r"\b(mort[oa]|decedut\w*|scompars[oa]|died|passed away|deceased|decede\w*|voltura|"
    r"intestar\w*|a mio nome|in my name|a mon nom|change of holder|changement de titulaire)\b"
)
# Bulk or other people's data: lists of customers, their names, numbers or addresses.
_BULK = re.compile(
    r"\b(tutti i|tutte le|all (the |your )?|tous les|toutes les|elenc\w*|lista|list|liste|"
    r"export\w*|esporta\w*|database|csv|dump)\b.{0,40}\b(clienti|customers?|clients|utenti|"
    r"users|abbonati)\b|"
    r"\b(clienti|customers|clients|utenti)\b.{0,50}\b(nomi|names|noms|numeri di telefono|"
    r"phone numbers|numeros|telefon\w*|indirizz\w*|addresses|adresses|con nome)\b|"
    r"\b(combien de|quanti|how many) (clients|clienti|customers)\b.{0,60}\b(noms|nomi|names|"
    r"liste|elenc\w*|list)\b|"
    r"\b(codice fiscale|fiscal code|code fiscal|iban)\b.{0,40}\b(registrat\w*|intestat\w*|"
    r"associat\w*|linked|registered|enregistre\w*)\b"
)
_DATA = (
    r"bollett\w*|dati|contratt\w*|fattur\w*|letture|consumi|bills?|data|accounts?|"
    r"readings?|contrats?|factures?|donnees|releves?"
)
_SOMEONE = (
    r"vicin\w*|neighbou?rs?|voisin\w*|suocer\w*|altr[oi] client\w*|altra persona|"
    r"another customer|other customers?|autres? clients?|someone else|quelqu'un d'autre|"
    r"signora|signore|inquilin\w*|piano di (sopra|sotto)|upstairs|downstairs|condomin\w*|"
    r"belle-mere|beau-pere|belle-soeur|beau-frere"
)
_OTHER_CUSTOMER = re.compile(
    rf"({_DATA})\s+(di|del|della|dello|dei|degli|of|de|du|des|d')\s*"
    rf"(mi[oa] |miei |mie |my |ma |mon |mes |un |una |un'|uno |an? )?({_SOMEONE})"
    rf"|({_SOMEONE})'s ({_DATA})"
    # What someone else owes, paid or used; whose name or address a contract is in.
    rf"|\b(quanto deve|deve pagare|ha pagato|ha consumato|a paye|doit payer|has paid|owes?|"
    rf"consum\w*)\b.{{0,40}}\b({_SOMEONE})\b|\b({_SOMEONE})\b.{{0,40}}\b(ha pagato|deve pagare|"
    rf"has paid|owes|a paye|doit)\b|"
    rf"\b(a quel nom|in whose name|a nome di chi|intestat\w* a chi)\b|"
    rf"\b(son adresse|sua residenza|his address|her address|their address)\b|"
    rf"\b(le sue|i suoi|his|her|ses) (bollett\w*|fattur\w*|consumi|letture|bills|invoices|"
    rf"factures|releves)\b"
)


_HIGH = re.compile(
    r"\b(senza (luce|corrente|acqua|gas|riscaldamento)|non (ho|abbiamo|c'?e) (piu )?"
    r"(la |l'|il )?(luce|corrente|acqua|gas)|manca (la |l')?(luce|corrente|acqua)|"
    r"saltat[ao] la luce|andat[ao] via (la |l')?(luce|corrente|acqua)|"
    r"non arriva|no (power|electricity|water|gas|heating)|power (is )?out|"
    r"(pas|plus) d'?(electricite|eau|gaz|courant)|sospe(s[oa]|nsione|nd\w*)|stacca\w*|"
    r"limitat[oa]|costituzione in mora|raccomandata|mise en demeure|coupure prevue|"
    r"cut off|disconnect|coupe|distacco|urgente|urgent|subito|immediatamente|immediately|"
    r"right now|\bnow\b|tout de suite|inaccettabil|inadmissible|vergogn|scandal|ridicul|"
    r"useless|inutile|responsabile|manager|mai firmato|never signed|terza volta|third time)"
)


# Capitals that are names, not shouting.
ACRONYMS = frozenset(
    {
        "POD",
        "PDR",
        "IBAN",
        "ISEE",
        "IVA",
        "DSU",
        "SMS",
        "OTP",
        "ARERA",
        "PEC",
        "KWH",
        "SMC",
        "PUN",
        "CAF",
        "ASL",
        "RAI",
        "TVA",
        "SDD",
        "STOP",
        "LM",
    }
)


@dataclass(frozen=True)
class Understanding:
    language: str
    route: str
    urgency: str
    confidence: float
    opt_out: bool = False
    by_rule: bool = False  # decided by a rule (opt-out, emergency, handoff cue), not a vote
    injection: bool = False
    other_customer: bool = False
    hazard: Hazard | None = None  # the danger an emergency is about (graph.safety)
    scores: dict[str, float] = field(default_factory=dict)


def load_examples(path: Path = INTENTS_FILE) -> dict:  # type: ignore[type-arg]
    """The cues and the non-vertical routes of `path`, with every registered vertical's own
    intents file (its description, examples and lexicon) as its route, in REGISTRY order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    routes = {
        name: yaml.safe_load((VERTICALS_DIR / name / "intents.yaml").read_text(encoding="utf-8"))
        for name in REGISTRY
    }
    data["routes"] = {**routes, **data.get("routes", {})}
    return data  # type: ignore[no-any-return]


class OfflineClassifier:
    """Understands a message with rules plus a k-nearest-neighbour vote over examples."""

    def __init__(
        self,
        embedder: Embedder,
        cache_dir: Path | None = None,
        examples: dict | None = None,
    ) -> None:  # type: ignore[type-arg]
        self.embedder = embedder
        self.cache_dir = cache_dir
        self.data = examples or load_examples()
        self.phrases: list[str] = []
        self.labels: list[str] = []
        for route, spec in self.data["routes"].items():
            for language in ("it", "en", "fr"):
                for phrase in spec.get(language, []):
                    self.phrases.append(str(phrase))
                    self.labels.append(route)
        self._label_index = np.array([ROUTES.index(label) for label in self.labels])
        # Words that settle a route on their own (accent-folded stems, matched at word start).
        self.lexicon = {
            route: tuple(fold(str(w)) for w in spec.get("lexicon", ()))
            for route, spec in self.data["routes"].items()
            if spec.get("lexicon")
        }
        # A procedure that involves another vertical's subject ("voltura ... la lettura del
        # contatore te la mando dopo"): when both lexicons match, the procedure's settles it.
        self.outranks = {
            route: frozenset(spec.get("outranks", ()))
            for route, spec in self.data["routes"].items()
            if spec.get("outranks")
        }
        self._emergency = [
            fold(c) for lang in self.data.get("emergency_cues", {}).values() for c in lang
        ]
        self._handoff = [
            fold(c) for lang in self.data.get("handoff_cues", {}).values() for c in lang
        ]
        self._opt_out = {
            fold(c).strip(" .!") for lang in self.data.get("opt_out", {}).values() for c in lang
        }

    @cached_property
    def matrix(self) -> np.ndarray:
        """Example embeddings, cached on disk by content hash (about 12 s to compute)."""
        digest = hashlib.sha256(
            ("\n".join(self.phrases) + self.embedder.name).encode()
        ).hexdigest()[:16]
        cache = self.cache_dir / f"intents-{digest}.npy" if self.cache_dir else None
        if cache is not None and cache.exists():
            return np.load(cache)
        matrix = self.embedder.embed_queries(self.phrases).astype(np.float32)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.save(cache, matrix)
        return matrix

    def hazard(self, folded: str) -> Hazard | None:
        """Danger is decided by rules (graph.safety): danger words near their object, or a
        listed cue phrase; None when the message describes no immediate danger."""
        return hazard_of(folded, cue_matched=any(cue in folded for cue in self._emergency))

    def is_emergency(self, folded: str) -> bool:
        return self.hazard(folded) is not None

    def urgency(self, folded: str, text: str = "") -> str:
        if self.is_emergency(folded):
            return "emergency"
        shouting = (
            sum(
                w.isupper() and len(w) > 2 and w.strip("!?.,") not in ACRONYMS for w in text.split()
            )
            >= 2
        )
        return "high" if _HIGH.search(folded) or "!!" in folded or shouting else "normal"

    def route_scores(self, text: str, folded: str) -> dict[str, float]:
        try:
            query = self.embedder.embed_queries([text])[0].astype(np.float64)
            sims = self._matrix64 @ query
        except EmbeddingError:  # the embeddings endpoint is down: the lexicon alone votes
            votes: np.ndarray = np.zeros(len(ROUTES))
        else:
            weights = np.exp((sims - sims.max()) / TEMPERATURE)
            votes = np.bincount(self._label_index, weights=weights, minlength=len(ROUTES))
            votes = votes / (votes.sum() or 1.0)
        result = {route: float(votes[i]) for i, route in enumerate(ROUTES)}
        matched = {
            route
            for route, words in self.lexicon.items()
            if any(re.search(r"(^|\W)" + re.escape(w), folded) for w in words)
        }
        outranked = set().union(*(self.outranks.get(route, ()) for route in matched))
        for route in matched - outranked:
            result[route] += LEXICON_WEIGHT
        return {route: round(score, SCORE_DECIMALS) for route, score in result.items()}

    @cached_property
    def _matrix64(self) -> np.ndarray:
        return self.matrix.astype(np.float64)

    def understand(
        self, text: str, default_language: str = "it", *, vote: bool = True
    ) -> Understanding:
        """Rules first (opt-out, danger, handoff cues), then the examples' vote. `vote=False`
        applies the rules only (route `general`, confidence 0): LLM mode asks the model for
        the route and votes only if the model fails."""
        # WhatsApp media markers ("[location 43.6,11.4]") carry no intent of their own.
        text = _MARKER.sub(" ", text).strip()
        if not text:
            return Understanding(default_language, "general", "normal", 0.0)
        folded = fold(text)
        language = detect_language(text, default=default_language)
        if _OPT_OUT.match(folded) or folded.strip(" .!") in self._opt_out:
            return Understanding(language, "general", "normal", 1.0, opt_out=True, by_rule=True)
        injection = bool(_INJECTION.search(folded))
        other = bool(_OTHER_CUSTOMER.search(folded) or _BULK.search(folded)) and not (
            _TAKING_OVER.search(folded)
        )
        hazard = self.hazard(folded)
        urgency = "emergency" if hazard else self.urgency(folded, text)
        if hazard:
            return Understanding(
                language, "outage", urgency, 1.0, by_rule=True, injection=injection, hazard=hazard
            )
        if any(cue in folded for cue in self._handoff):
            return Understanding(
                language,
                "handoff",
                urgency,
                1.0,
                by_rule=True,
                injection=injection,
                other_customer=other,
            )
        if not vote:
            return Understanding(
                language, "general", urgency, 0.0, injection=injection, other_customer=other
            )
        request = without_preamble(text)
        scores = self.route_scores(request, fold(request))
        ranking = rank_routes(scores)
        route = ranking[0]
        ranked = [scores[r] for r in ranking]
        confidence = min(1.0, ranked[0] - ranked[1] + 0.5 * ranked[0])
        if route == "handoff" and confidence < HANDOFF_VOTE:
            # Only a clear request reaches a person; a weak vote takes the next intent.
            route, confidence = ranking[1], min(1.0, 0.5 * ranked[1])
        return Understanding(
            language,
            route,
            urgency,
            round(confidence, 3),
            injection=injection,
            other_customer=other,
            scores=scores,
        )


# Words that open a message without saying what it is about ("aspetta, prima dimmi quanto
# devo pagare", "wait, first tell me..."): they pulled the vote towards nothing in particular
# (0.50 for payments against 0.81 without them), and a request in the middle of a procedure
# was then taken for an answer to the procedure's question.
_PREAMBLE = re.compile(
    r"^(?:(?:aspett[ai]|un (?:attimo|momento|secondo)|scusa(?:mi)?|scusi|allora|ok(?:ay|k)?|"
    r"senti|ascolta|ehm|prima|anzi|wait|hold on|one sec(?:ond)?|sorry|actually|first|um+|uh+|"
    r"attends?|attendez|pardon|d'abord|avant|euh|bon|però|pero|but|mais|"
    # Italian "ma" (but) before another opening word; French "ma" is "my"
    r"ma(?=\s+(?:prima|aspett\w*|scusa|allora|anzi|un attimo)))\b[\s,.!:;-]*)+",
    re.IGNORECASE,
)


def without_preamble(text: str) -> str:
    """The message without the words that only open it, if a request of two words or more
    remains, or a long word that says it ("ok allora rateizziamo"; "ok" alone stays "ok",
    and so do "ok si" and "ok grazie")."""
    rest = _PREAMBLE.sub("", text.strip())
    return rest if len(rest.split()) >= 2 or len(rest.strip(" .!?")) >= 8 else text


def rank_routes(scores: dict[str, float]) -> list[str]:
    """Routes by score, best first; of two routes within NEAR_TIE, the one earlier in ROUTES
    comes first whichever is a hair higher, so a near-tie is settled the same way everywhere."""
    ranking = sorted(scores, key=lambda r: (-scores[r], ROUTES.index(r)))
    first, second = ranking[0], ranking[1]
    if scores[first] - scores[second] < NEAR_TIE and ROUTES.index(second) < ROUTES.index(first):
        ranking[0], ranking[1] = second, first
    return ranking
