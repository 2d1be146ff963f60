"""Billing texts."""

from __future__ import annotations

from graph.prompts import Templates

TEMPLATES: Templates = {
    "no_bills": {
        "it": "Non trovo bollette per questa fornitura.",
        "en": "I can't find any bills for this supply.",
        "fr": "Je ne trouve aucune facture pour ce contrat.",
    },
    "no_bill_of_month": {
        "it": "Non trovo una bolletta per il mese che mi hai indicato: ecco la più recente.",
        "en": "I can't find a bill for the month you named: here is the latest one.",
        "fr": "Je ne trouve pas de facture pour le mois indiqué : voici la plus récente.",
    },
    "bill_summary": {
        "it": "Bolletta {commodity} n. {number} ({start}–{end}): {amount}, scadenza {due}, "
        "{status}. Consumi {kind}.",
        "en": "{commodity} bill no. {number} ({start}–{end}): {amount}, due {due}, {status}. "
        "Consumption {kind}.",
        "fr": "Facture {commodity} n° {number} ({start}–{end}) : {amount}, échéance {due}, "
        "{status}. Consommation {kind}.",
    },
    "kind_estimated": {"it": "stimati (acconto)", "en": "estimated", "fr": "estimée"},
    "kind_actual": {"it": "effettivi", "en": "on actual readings", "fr": "réelle"},
    "status_unpaid": {"it": "da pagare", "en": "unpaid", "fr": "à payer"},
    "status_paid": {"it": "pagata", "en": "paid", "fr": "payée"},
    "status_partially_paid": {
        "it": "pagata in parte",
        "en": "partly paid",
        "fr": "payée en partie",
    },
    "status_in_instalments": {"it": "a rate", "en": "in instalments", "fr": "échelonnée"},
    "status_cancelled": {"it": "annullata", "en": "cancelled", "fr": "annulée"},
    "items_header": {"it": "Le voci:", "en": "Items:", "fr": "Postes :"},
    "pdf_sent": {
        "it": "Ti invio la copia della bolletta n. {number} ({amount}, scadenza {due}).",
        "en": "Here is a copy of bill no. {number} ({amount}, due {due}).",
        "fr": "Voici une copie de la facture n° {number} ({amount}, échéance {due}).",
    },
    "comparison": {
        "it": "Questa bolletta ({amount}) è {ratio} volte la media delle precedenti ({average}).",
        "en": "This bill ({amount}) is {ratio} times the average of the previous ones ({average}).",
        "fr": "Cette facture ({amount}) représente {ratio} fois la moyenne des précédentes ({average}).",
    },
    "conguaglio": {
        "it": "È un conguaglio: ricalcola i consumi reali dopo {estimated} bollette stimate.",
        "en": "It is a balancing bill (conguaglio): it settles actual consumption after "
        "{estimated} estimated bills.",
        "fr": "C'est une facture de régularisation (conguaglio) : elle ajuste la consommation "
        "réelle après {estimated} factures estimées.",
    },
    "instalments_hint": {
        "it": "Vuoi chiedere di pagarla a rate? Rispondi SÌ e verifico subito se si può.",
        "en": "Would you like to ask to pay it in instalments? Answer YES and I'll check "
        "right away whether it can be done.",
        "fr": "Voulez-vous demander à la payer en plusieurs fois ? Répondez OUI et je vérifie "
        "tout de suite si c'est possible.",
    },
    "offer_ticket": {
        "it": "L'importo sembra anomalo. Vuoi che apra una segnalazione prioritaria per una verifica?",
        "en": "The amount looks unusual. Shall I open a priority ticket to have it checked?",
        "fr": "Le montant semble anormal. Voulez-vous que j'ouvre un signalement prioritaire ?",
    },
    "ticket_opened": {
        "it": "Ho aperto la segnalazione {ticket}: un operatore verificherà la bolletta e ti "
        "risponderà qui.",
        "en": "I've opened ticket {ticket}: an operator will check the bill and reply here.",
        "fr": "J'ai ouvert le signalement {ticket} : un conseiller vérifiera la facture et vous "
        "répondra ici.",
    },
    "ticket_declined": {
        "it": "D'accordo, nessuna segnalazione. Se ti serve altro, scrivimi.",
        "en": "All right, no ticket. Let me know if you need anything else.",
        "fr": "D'accord, pas de signalement. Écrivez-moi si besoin.",
    },
    "duplicate_found": {
        "it": "Hai ragione: le bollette {first} e {second} hanno lo stesso periodo e importo ({amount}).",
        "en": "You're right: bills {first} and {second} have the same period and amount ({amount}).",
        "fr": "Vous avez raison : les factures {first} et {second} ont la même période et le même "
        "montant ({amount}).",
    },
    "no_duplicate": {
        "it": "Non vedo bollette doppie su questa fornitura: ogni periodo è fatturato una volta.",
        "en": "I don't see any duplicate bills on this supply: each period is billed once.",
        "fr": "Je ne vois pas de facture en double sur ce contrat : chaque période est facturée "
        "une fois.",
    },
}
