"""Outage and emergency texts."""

from __future__ import annotations

from graph.prompts import Templates

TEMPLATES: Templates = {
    "emergency_intro": {
        "it": "⚠️ Segui subito queste istruzioni di sicurezza:",
        "en": "⚠️ Follow these safety instructions now:",
        "fr": "⚠️ Suivez immédiatement ces consignes de sécurité :",
    },
    "emergency_call": {
        "it": "Pronto intervento {distributor} (24 ore su 24, gratuito): {phone}. "
        "Il numero è anche sulla prima pagina della bolletta.",
        "en": "{distributor} emergency service (24/7, free): {phone}. "
        "The number is also on the first page of your bill.",
        "fr": "Service d'urgence {distributor} (24h/24, gratuit) : {phone}. "
        "Le numéro figure aussi en première page de votre facture.",
    },
    "emergency_ticket": {
        "it": "Ho registrato la segnalazione con il numero {ticket}. Chiama comunque il pronto "
        "intervento: è il distributore a intervenire.",
        "en": "I've logged the report as {ticket}. Please still call the emergency service: "
        "the distributor handles it.",
        "fr": "J'ai enregistré le signalement sous le numéro {ticket}. Appelez quand même le "
        "service d'urgence : c'est le distributeur qui intervient.",
    },
    "emergency_no_steps": {
        "it": "Allontanati dal pericolo e chiama subito il pronto intervento.",
        "en": "Move away from the danger and call the emergency service now.",
        "fr": "Éloignez-vous du danger et appelez immédiatement le service d'urgence.",
    },
}

# The distributors' emergency services (fixed data of the demo utility, also in the corpus).
DISTRIBUTORS = {
    "gas": ("Gasdotti Valdarno", "800 900 222"),
    "electricity": ("Lumea Reti Elettriche", "800 900 111"),
    "water": ("Acque Valdarno Sud", "800 900 333"),
}
