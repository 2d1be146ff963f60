"""Payments texts."""

from __future__ import annotations

from graph.prompts import Templates

TEMPLATES: Templates = {
    "all_paid": {
        "it": "Non hai bollette da pagare. L'ultimo pagamento: {amount} il {date}.",
        "en": "You have no bills to pay. Your last payment: {amount} on {date}.",
        "fr": "Vous n'avez aucune facture à payer. Dernier paiement : {amount} le {date}.",
    },
    "nothing_due": {
        "it": "Non hai bollette da pagare.",
        "en": "You have no bills to pay.",
        "fr": "Vous n'avez aucune facture à payer.",
    },
    "unpaid_header": {
        "it": "Bollette da pagare:",
        "en": "Bills to pay:",
        "fr": "Factures à payer :",
    },
    "unpaid_line": {
        "it": "• n. {number} ({commodity}): {amount}, scadenza {due}{late}",
        "en": "• no. {number} ({commodity}): {amount}, due {due}{late}",
        "fr": "• n° {number} ({commodity}) : {amount}, échéance {due}{late}",
    },
    "overdue": {"it": " — scaduta", "en": " — overdue", "fr": " — échue"},
    "pay_link": {
        "it": "Puoi pagare la n. {number} con carta o pagoPA da qui: {link}",
        "en": "You can pay no. {number} by card or pagoPA here: {link}",
        "fr": "Vous pouvez payer la n° {number} par carte ou pagoPA ici : {link}",
    },
    "payment_matched": {
        "it": "Ho trovato il tuo pagamento di {amount} del {date}: corrisponde alla bolletta "
        "n. {number}, che risulterà pagata a breve. Non devi fare altro.",
        "en": "I found your payment of {amount} on {date}: it matches bill no. {number}, which "
        "will show as paid shortly. Nothing else to do.",
        "fr": "J'ai trouvé votre paiement de {amount} du {date} : il correspond à la facture "
        "n° {number}, qui apparaîtra bientôt comme payée. Rien d'autre à faire.",
    },
    "claim_offer": {
        "it": "Non vedo ancora un pagamento che corrisponda alla bolletta n. {number} ({amount}). "
        "Vuoi che apra una pratica di verifica? Poi mi mandi qui la ricevuta.",
        "en": "I can't see a payment matching bill no. {number} ({amount}) yet. Shall I open a "
        "case to check it? You'd then send me the receipt here.",
        "fr": "Je ne vois pas encore de paiement correspondant à la facture n° {number} "
        "({amount}). Voulez-vous que j'ouvre un dossier de vérification ? Vous m'enverrez "
        "ensuite le reçu ici.",
    },
    "claim_declined": {
        "it": "Va bene, non apro nessuna pratica. Se ritrovi la ricevuta, mandamela quando vuoi.",
        "en": "All right, I won't open a case. If you find the receipt, send it to me any time.",
        "fr": "D'accord, je n'ouvre pas de dossier. Si vous retrouvez le reçu, envoyez-le-moi "
        "quand vous voulez.",
    },
    "payments_header": {
        "it": "I tuoi ultimi pagamenti registrati:",
        "en": "Your latest recorded payments:",
        "fr": "Vos derniers paiements enregistrés :",
    },
    "payment_line": {
        "it": "• {date}: {amount}",
        "en": "• {date}: {amount}",
        "fr": "• {date} : {amount}",
    },
    "claim_opened": {
        "it": "Ho aperto la pratica {ticket} per la bolletta n. {number} ({amount}): inviaci qui "
        "la ricevuta e la verificheremo.",
        "en": "I've opened case {ticket} for bill no. {number} ({amount}): send us the receipt "
        "here and we'll check it.",
        "fr": "J'ai ouvert le dossier {ticket} pour la facture n° {number} ({amount}) : "
        "envoyez-nous le reçu ici et nous le vérifierons.",
    },
}
