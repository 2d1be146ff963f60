"""Instalment texts."""

from __future__ import annotations

from graph.prompts import Templates

TEMPLATES: Templates = {
    "no_bill": {
        "it": "Non hai bollette da pagare che si possano rateizzare.",
        "en": "You have no unpaid bill that could be paid in instalments.",
        "fr": "Vous n'avez aucune facture impayée pouvant être échelonnée.",
    },
    "eligible": {
        "it": "La bolletta n. {number} di {amount} (scadenza {due}) si può rateizzare. "
        "Puoi scegliere:",
        "en": "Bill no. {number} for {amount} (due {due}) can be paid in instalments. "
        "You can choose:",
        "fr": "La facture n° {number} de {amount} (échéance {due}) peut être échelonnée. "
        "Vous pouvez choisir :",
    },
    "option": {
        "it": "{count} rate da {amount} (totale {total})",
        "en": "{count} instalments of {amount} (total {total})",
        "fr": "{count} mensualités de {amount} (total {total})",
    },
    "option_short": {
        "it": "{count} rate",
        "en": "{count} instalments",
        "fr": "{count} mensualités",
    },
    "pick_one": {
        "it": "Quale piano preferisci? Rispondi con il numero di rate.",
        "en": "Which plan do you prefer? Reply with the number of instalments.",
        "fr": "Quel plan préférez-vous ? Répondez avec le nombre de mensualités.",
    },
    "count_not_offered": {
        "it": "Un piano in {count} rate non è possibile per questa bolletta: puoi scegliere "
        "{offered} rate.",
        "en": "A plan of {count} instalments isn't possible for this bill: you can choose "
        "{offered} instalments.",
        "fr": "Un plan en {count} mensualités n'est pas possible pour cette facture : vous pouvez "
        "choisir {offered} mensualités.",
    },
    "consent": {
        "it": "Riepilogo: {count} rate mensili da {amount}, prima scadenza {first}, totale {total} "
        "(interessi {interest}). Confermi la richiesta di rateizzazione? Rispondi SÌ o NO.",
        "en": "Summary: {count} monthly instalments of {amount}, first due {first}, total {total} "
        "(interest {interest}). Do you confirm the instalment request? Reply YES or NO.",
        "fr": "Récapitulatif : {count} mensualités de {amount}, première échéance {first}, total "
        "{total} (intérêts {interest}). Confirmez-vous la demande ? Répondez OUI ou NON.",
    },
    "created": {
        "it": "Fatto: piano {plan} attivato. {count} rate da {amount}, la prima scade il {first}. "
        "Ti ricorderemo ogni scadenza.",
        "en": "Done: plan {plan} is active. {count} instalments of {amount}, the first due on "
        "{first}. We'll remind you of each due date.",
        "fr": "C'est fait : plan {plan} activé. {count} mensualités de {amount}, la première le "
        "{first}. Nous vous rappellerons chaque échéance.",
    },
    "cancelled": {
        "it": "Va bene, non ho attivato nessun piano. La bolletta resta da pagare entro la scadenza.",
        "en": "All right, I haven't set up any plan. The bill is still due by its due date.",
        "fr": "D'accord, aucun plan n'a été activé. La facture reste à payer à l'échéance.",
    },
    "not_eligible": {
        "it": "Mi dispiace, la bolletta n. {number} ({amount}) non si può rateizzare: {reasons}.",
        "en": "I'm sorry, bill no. {number} ({amount}) can't be paid in instalments: {reasons}.",
        "fr": "Désolé, la facture n° {number} ({amount}) ne peut pas être échelonnée : {reasons}.",
    },
    "insist_hint": {
        "it": "Se hai una situazione particolare, scrivi OPERATORE e ne parli con una persona.",
        "en": "If your situation is special, write OPERATOR to talk it through with a person.",
        "fr": "Si votre situation est particulière, écrivez OPÉRATEUR pour en parler à une personne.",
    },
    "reason_amount_below_minimum": {
        "it": "l'importo non supera i 50 €",
        "en": "the amount is not over 50 €",
        "fr": "le montant ne dépasse pas 50 €",
    },
    "reason_request_too_late": {
        "it": "la richiesta va fatta entro 10 giorni dalla scadenza (termine: {deadline})",
        "en": "the request must be made within 10 days of the due date (deadline: {deadline})",
        "fr": "la demande doit être faite dans les 10 jours suivant l'échéance (limite : {deadline})",
    },
    "reason_already_in_instalments": {
        "it": "è già in un piano di rate",
        "en": "it is already in an instalment plan",
        "fr": "elle fait déjà l'objet d'un échelonnement",
    },
    "reason_already_paid": {
        "it": "risulta già pagata",
        "en": "it is already paid",
        "fr": "elle est déjà payée",
    },
    "reason_no_anomaly": {
        "it": "l'importo non raggiunge il 150% della media delle tue bollette degli ultimi 12 "
        "mesi ({average}; soglia {threshold}) e non rientra negli altri casi previsti",
        "en": "the amount does not reach 150% of your average bill over the last 12 months "
        "({average}; threshold {threshold}) and no other case applies",
        "fr": "le montant n'atteint pas 150 % de la moyenne de vos factures des 12 derniers mois "
        "({average} ; seuil {threshold}) et aucun autre cas ne s'applique",
    },
}
