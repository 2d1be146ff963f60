"""Onboarding texts: welcome, WhatsApp activation, preferences, marketing consents, first bill.

The consent wordings are what the customer confirms: `record_consent` stores them verbatim.
"""

from __future__ import annotations

from graph.prompts import Templates

TEMPLATES: Templates = {
    # Welcome and the first-bill guide
    "welcome": {
        "it": "Benvenuto in Lumea! Qui su WhatsApp puoi attivare gli avvisi (bolletta, scadenze, "
        "autolettura), scegliere la bolletta via email o di carta, gestire i consensi "
        "marketing e farti spiegare la prima bolletta. Da dove partiamo?",
        "en": "Welcome to Lumea! Here on WhatsApp you can turn on alerts (new bill, due dates, "
        "meter readings), choose bills by email or on paper, manage marketing consents and "
        "get your first bill explained. Where shall we start?",
        "fr": "Bienvenue chez Lumea ! Ici sur WhatsApp vous pouvez activer les alertes (facture, "
        "échéances, relevés), choisir la facture par email ou papier, gérer vos consentements "
        "marketing et comprendre votre première facture. Par quoi commençons-nous ?",
    },
    "btn_whatsapp": {"it": "Attiva WhatsApp", "en": "Activate WhatsApp", "fr": "Activer WhatsApp"},
    "btn_preferences": {
        "it": "Bolletta e avvisi",
        "en": "Bills and alerts",
        "fr": "Facture, alertes",
    },
    "btn_guide": {"it": "Prima bolletta", "en": "First bill", "fr": "Première facture"},
    "guide_intro": {
        "it": "Come leggere la tua prima bolletta:",
        "en": "How to read your first bill:",
        "fr": "Comment lire votre première facture :",
    },
    "guide_front": {
        "it": "1. Prima pagina: importo e scadenza, i tuoi dati, il codice della fornitura (POD "
        "per la luce, PDR per il gas), il tipo di mercato e lo stato dei pagamenti.",
        "en": "1. First page: amount and due date, your details, the supply code (POD for "
        "electricity, PDR for gas), the market type and the payment status.",
        "fr": "1. Première page : montant et échéance, vos données, le code du point de "
        "livraison (POD pour l'électricité, PDR pour le gaz), le type de marché et l'état des "
        "paiements.",
    },
    "guide_receipt": {
        "it": "2. Scontrino dell'energia: la spesa come quantità per prezzo, in quota consumi, "
        "quota fissa e (solo luce) quota potenza, più IVA e accise, bonus e ricalcoli.",
        "en": "2. Energy receipt (Scontrino dell'energia): quantity times price, split into "
        "consumption, fixed and (electricity only) power charges, plus VAT, excise, bonus and "
        "recalculations.",
        "fr": "2. Ticket de l'énergie (Scontrino dell'energia) : quantité fois prix, en part "
        "consommation, part fixe et (électricité seulement) part puissance, plus TVA, accises, "
        "bonus et recalculs.",
    },
    "guide_items": {
        "it": "3. Le quattro macro-voci: materia energia (o gas naturale), l'unica che dipende "
        "dall'offerta; trasporto e gestione del contatore; oneri di sistema; imposte.",
        "en": "3. The four cost items: energy (or natural gas), the only one that depends on the "
        "offer; transport and meter management; system charges; taxes.",
        "fr": "3. Les quatre postes : énergie (ou gaz naturel), le seul qui dépend de l'offre ; "
        "transport et gestion du compteur ; charges de système ; taxes.",
    },
    "guide_estimates": {
        "it": "4. Acconto o conguaglio: in acconto i consumi sono stimati; con una lettura "
        "effettiva arriva il conguaglio, a debito o a credito. L'autolettura aiuta a evitare "
        "sorprese.",
        "en": "4. Estimate or adjustment: an estimated bill (acconto) uses expected consumption; "
        "an actual reading brings an adjustment bill (conguaglio), debit or credit. Sending "
        "meter readings helps avoid surprises.",
        "fr": "4. Acompte ou régularisation : la facture d'acompte utilise une consommation "
        "estimée ; une lecture réelle donne une régularisation (conguaglio), en débit ou en "
        "crédit. Transmettre vos relevés évite les surprises.",
    },
    "guide_own_bill": {
        "it": 'Per farti spiegare la tua bolletta, scrivi "spiegami la mia bolletta".',
        "en": 'To have your own bill explained, write "explain my bill".',
        "fr": "Pour qu'on vous explique votre facture, écrivez « explique ma facture ».",
    },
    # Preferences
    "bill_email": {"it": "via email", "en": "by email", "fr": "par email"},
    "bill_paper": {
        "it": "di carta per posta",
        "en": "on paper by post",
        "fr": "papier par courrier",
    },
    "reminders_whatsapp": {"it": "su WhatsApp", "en": "on WhatsApp", "fr": "sur WhatsApp"},
    "reminders_sms": {"it": "via SMS", "en": "by SMS", "fr": "par SMS"},
    "reminders_email": {"it": "via email", "en": "by email", "fr": "par email"},
    "reminders_none": {"it": "disattivati", "en": "off", "fr": "désactivés"},
    "whatsapp_on": {"it": "attivi", "en": "on", "fr": "activés"},
    "whatsapp_off": {"it": "non attivi", "en": "off", "fr": "désactivés"},
    "preferences": {
        "it": "bolletta {bill}, promemoria {reminders}, messaggi WhatsApp {whatsapp}",
        "en": "bills {bill}, reminders {reminders}, WhatsApp messages {whatsapp}",
        "fr": "facture {bill}, rappels {reminders}, messages WhatsApp {whatsapp}",
    },
    "preferences_now": {
        "it": "Le tue preferenze ora: {preferences}.",
        "en": "Your preferences now: {preferences}.",
        "fr": "Vos préférences actuelles : {preferences}.",
    },
    "preferences_ask": {
        "it": "Cosa vuoi cambiare? Scegli un'opzione o scrivi il numero.",
        "en": "What would you like to change? Pick an option or type its number.",
        "fr": "Que voulez-vous changer ? Choisissez une option ou tapez son numéro.",
    },
    "opt_bill_delivery_email": {
        "it": "Bolletta via email",
        "en": "Bills by email",
        "fr": "Facture par email",
    },
    "opt_bill_delivery_paper": {
        "it": "Bolletta di carta",
        "en": "Paper bills",
        "fr": "Facture papier",
    },
    "opt_reminder_channel_whatsapp": {
        "it": "Promemoria WhatsApp",
        "en": "WhatsApp reminders",
        "fr": "Rappels WhatsApp",
    },
    "opt_reminder_channel_sms": {
        "it": "Promemoria SMS",
        "en": "SMS reminders",
        "fr": "Rappels SMS",
    },
    "opt_reminder_channel_email": {
        "it": "Promemoria email",
        "en": "Email reminders",
        "fr": "Rappels email",
    },
    "opt_reminder_channel_none": {
        "it": "Nessun promemoria",
        "en": "No reminders",
        "fr": "Aucun rappel",
    },
    "change_bill_delivery": {
        "it": "bolletta {value}",
        "en": "bills {value}",
        "fr": "facture {value}",
    },
    "change_reminder_channel": {
        "it": "promemoria {value}",
        "en": "reminders {value}",
        "fr": "rappels {value}",
    },
    "change_whatsapp_on": {
        "it": "attivazione dei messaggi WhatsApp di Lumea",
        "en": "turning on Lumea's WhatsApp messages",
        "fr": "activation des messages WhatsApp de Lumea",
    },
    "change_whatsapp_off": {
        "it": "disattivazione dei messaggi WhatsApp di Lumea",
        "en": "turning off Lumea's WhatsApp messages",
        "fr": "désactivation des messages WhatsApp de Lumea",
    },
    "email_to": {"it": " (a {email})", "en": " (to {email})", "fr": " (à {email})"},
    "confirm_change": {
        "it": "Confermi la modifica: {changes}? Rispondi SÌ o NO.",
        "en": "Do you confirm the change: {changes}? Reply YES or NO.",
        "fr": "Confirmez-vous la modification : {changes} ? Répondez OUI ou NON.",
    },
    "whatsapp_wording": {
        "it": "Acconsento a ricevere da Lumea Multiservizi S.p.A. su WhatsApp, al numero "
        "registrato, messaggi di servizio: bolletta emessa, promemoria di scadenza e di "
        "autolettura, esito dei pagamenti e aggiornamenti sulle mie richieste. Posso "
        "disattivarli quando voglio scrivendo STOP.",
        "en": "I agree to receive service messages from Lumea Multiservizi S.p.A. on WhatsApp, "
        "at my registered number: new bills, due-date and meter-reading reminders, payment "
        "outcomes and updates on my requests. I can turn them off at any time by writing STOP.",
        "fr": "J'accepte de recevoir de Lumea Multiservizi S.p.A. sur WhatsApp, au numéro "
        "enregistré, des messages de service : facture émise, rappels d'échéance et de relevé, "
        "résultat des paiements et suivi de mes demandes. Je peux les désactiver à tout moment "
        "en écrivant STOP.",
    },
    "confirm_whatsapp": {
        "it": "Per attivare WhatsApp confermi questo testo?\n«{wording}»\n{others}"
        "Rispondi SÌ o NO.",
        "en": "To turn on WhatsApp, do you confirm this text?\n«{wording}»\n{others}"
        "Reply YES or NO.",
        "fr": "Pour activer WhatsApp, confirmez-vous ce texte ?\n«{wording}»\n{others}"
        "Répondez OUI ou NON.",
    },
    "also": {
        "it": "Cambio anche: {changes}.\n",
        "en": "Also: {changes}.\n",
        "fr": "Aussi : {changes}.\n",
    },
    "saved": {
        "it": "Fatto, salvato. {preferences_now}",
        "en": "Done, saved. {preferences_now}",
        "fr": "C'est fait. {preferences_now}",
    },
    "whatsapp_saved": {
        "it": "I messaggi WhatsApp di Lumea sono attivi: per disattivarli scrivi STOP.",
        "en": "Lumea's WhatsApp messages are on: write STOP to turn them off.",
        "fr": "Les messages WhatsApp de Lumea sont activés : écrivez STOP pour les désactiver.",
    },
    "unchanged": {
        "it": "Va bene, non ho cambiato niente.",
        "en": "All right, I haven't changed anything.",
        "fr": "D'accord, je n'ai rien changé.",
    },
    "already": {
        "it": "È già così. {preferences_now}",
        "en": "That's already the case. {preferences_now}",
        "fr": "C'est déjà le cas. {preferences_now}",
    },
    "no_email": {
        "it": "Non abbiamo un indirizzo email a tuo nome, quindi non posso attivare l'invio via "
        "email. Puoi aggiungerlo dall'area clienti https://www.lumea.example/area-clienti.",
        "en": "We have no email address in your name, so I can't switch to email. You can add "
        "one in the customer area https://www.lumea.example/area-clienti.",
        "fr": "Nous n'avons pas d'adresse email à votre nom, je ne peux donc pas passer à "
        "l'email. Vous pouvez en ajouter une dans l'espace client "
        "https://www.lumea.example/area-clienti.",
    },
    "email_change": {
        "it": "Per sicurezza l'indirizzo email si cambia dall'area clienti "
        "https://www.lumea.example/area-clienti o al numero verde 800 123 456. Qui posso "
        "cambiare come ricevi bolletta e promemoria.",
        "en": "For security, the email address is changed in the customer area "
        "https://www.lumea.example/area-clienti or on 800 123 456. Here I can change how you "
        "get bills and reminders.",
        "fr": "Par sécurité, l'adresse email se change dans l'espace client "
        "https://www.lumea.example/area-clienti ou au 800 123 456. Ici je peux changer la "
        "réception des factures et des rappels.",
    },
    # Marketing consents, one category at a time (no "omnibus" consent)
    "label_marketing_lumea": {
        "it": "offerte commerciali di Lumea",
        "en": "Lumea's commercial offers",
        "fr": "offres commerciales de Lumea",
    },
    "label_marketing_partners": {
        "it": "dati ai partner per le loro offerte",
        "en": "data shared with partners for their offers",
        "fr": "données aux partenaires pour leurs offres",
    },
    "label_profiling": {
        "it": "profilazione per proposte personalizzate",
        "en": "profiling for personalised offers",
        "fr": "profilage pour des offres personnalisées",
    },
    "label_surveys": {
        "it": "sondaggi sulla qualità del servizio",
        "en": "service quality surveys",
        "fr": "enquêtes sur la qualité du service",
    },
    "wording_marketing_lumea": {
        "it": "Acconsento a ricevere da Lumea Multiservizi S.p.A. offerte commerciali e "
        "promozioni su luce, gas e acqua via WhatsApp, SMS, email e telefono. Posso revocare "
        "il consenso in qualsiasi momento, gratis.",
        "en": "I agree to receive commercial offers and promotions on electricity, gas and water "
        "from Lumea Multiservizi S.p.A. by WhatsApp, SMS, email and phone. I can withdraw this "
        "consent at any time, free of charge.",
        "fr": "J'accepte de recevoir de Lumea Multiservizi S.p.A. des offres commerciales et "
        "promotions sur l'électricité, le gaz et l'eau par WhatsApp, SMS, email et téléphone. "
        "Je peux retirer ce consentement à tout moment, gratuitement.",
    },
    "wording_marketing_partners": {
        "it": "Acconsento che Lumea Multiservizi S.p.A. comunichi i miei dati di contatto a "
        "società partner per l'invio di loro offerte commerciali. Posso revocare il consenso "
        "in qualsiasi momento, gratis.",
        "en": "I agree that Lumea Multiservizi S.p.A. may share my contact details with partner "
        "companies so that they can send me their commercial offers. I can withdraw this "
        "consent at any time, free of charge.",
        "fr": "J'accepte que Lumea Multiservizi S.p.A. communique mes coordonnées à des sociétés "
        "partenaires pour l'envoi de leurs offres commerciales. Je peux retirer ce consentement "
        "à tout moment, gratuitement.",
    },
    "wording_profiling": {
        "it": "Acconsento che Lumea Multiservizi S.p.A. analizzi i miei consumi e le mie "
        "preferenze per farmi proposte commerciali personalizzate (profilazione). Posso "
        "revocare il consenso in qualsiasi momento, gratis.",
        "en": "I agree that Lumea Multiservizi S.p.A. may analyse my consumption and preferences "
        "to make me personalised commercial offers (profiling). I can withdraw this consent at "
        "any time, free of charge.",
        "fr": "J'accepte que Lumea Multiservizi S.p.A. analyse mes consommations et préférences "
        "pour me faire des offres commerciales personnalisées (profilage). Je peux retirer ce "
        "consentement à tout moment, gratuitement.",
    },
    "wording_surveys": {
        "it": "Acconsento a essere contattato da Lumea Multiservizi S.p.A. per sondaggi e "
        "questionari sulla qualità del servizio. Posso revocare il consenso in qualsiasi "
        "momento, gratis.",
        "en": "I agree to be contacted by Lumea Multiservizi S.p.A. for surveys and "
        "questionnaires on service quality. I can withdraw this consent at any time, free of "
        "charge.",
        "fr": "J'accepte d'être contacté(e) par Lumea Multiservizi S.p.A. pour des enquêtes et "
        "questionnaires sur la qualité du service. Je peux retirer ce consentement à tout "
        "moment, gratuitement.",
    },
    "revocation_wording": {
        "it": "Revoco il consenso: {label}. Lumea Multiservizi S.p.A. non userà più i miei dati "
        "per questo scopo.",
        "en": "I withdraw my consent: {label}. Lumea Multiservizi S.p.A. will no longer use my "
        "data for this purpose.",
        "fr": "Je retire mon consentement : {label}. Lumea Multiservizi S.p.A. n'utilisera plus "
        "mes données à cette fin.",
    },
    "consent_ask": {
        "it": "Consenso «{label}». Confermi questo testo?\n«{wording}»\nPuoi dire sì a una "
        "categoria e no alle altre: il contratto non cambia. Rispondi SÌ o NO.",
        "en": "Consent «{label}». Do you confirm this text?\n«{wording}»\nYou can say yes to one "
        "category and no to others: your contract does not change. Reply YES or NO.",
        "fr": "Consentement « {label} ». Confirmez-vous ce texte ?\n« {wording} »\nVous pouvez "
        "dire oui à une catégorie et non aux autres : le contrat ne change pas. Répondez OUI ou "
        "NON.",
    },
    "consent_granted": {
        "it": "Fatto: consenso «{label}» registrato il {at}. Puoi revocarlo quando vuoi "
        'scrivendo "revoca il consenso marketing".',
        "en": "Done: consent «{label}» recorded on {at}. You can withdraw it any time by writing "
        '"withdraw my marketing consent".',
        "fr": "C'est fait : consentement « {label} » enregistré le {at}. Vous pouvez le retirer "
        "à tout moment en écrivant « je retire mon consentement marketing ».",
    },
    "consent_not_given": {
        "it": "Va bene, nessun consenso registrato per «{label}».",
        "en": "All right, no consent recorded for «{label}».",
        "fr": "D'accord, aucun consentement enregistré pour « {label} ».",
    },
    "consent_already": {
        "it": "Il consenso «{label}» è già attivo (dal {at}).",
        "en": "Consent «{label}» is already given (since {at}).",
        "fr": "Le consentement « {label} » est déjà donné (depuis le {at}).",
    },
    "revoked": {
        "it": "Fatto, registrato il {at}:\n{wordings}",
        "en": "Done, recorded on {at}:\n{wordings}",
        "fr": "C'est fait, enregistré le {at} :\n{wordings}",
    },
    "categories": {
        "it": "Qui puoi dare o revocare, uno per uno, questi consensi: {labels}.",
        "en": "Here you can give or withdraw these consents, one by one: {labels}.",
        "fr": "Ici vous pouvez donner ou retirer ces consentements, un par un : {labels}.",
    },
    "consents_header": {
        "it": "I tuoi consensi:",
        "en": "Your consents:",
        "fr": "Vos consentements :",
    },
    "consent_line_yes": {
        "it": "• {label}: sì (dal {at})",
        "en": "• {label}: yes (since {at})",
        "fr": "• {label} : oui (depuis le {at})",
    },
    "consent_line_no": {
        "it": "• {label}: no (revocato il {at})",
        "en": "• {label}: no (withdrawn on {at})",
        "fr": "• {label} : non (retiré le {at})",
    },
    "consent_line_never": {
        "it": "• {label}: no",
        "en": "• {label}: no",
        "fr": "• {label} : non",
    },
    "offer_revoke": {
        "it": "Se vuoi, revoco io il consenso adesso: scrivimi il tuo codice cliente (inizia con "
        "LM).",
        "en": "If you like, I can withdraw the consent for you now: send me your customer code "
        "(it starts with LM).",
        "fr": "Si vous voulez, je retire le consentement maintenant : envoyez-moi votre code "
        "client (il commence par LM).",
    },
    "consents_hint": {
        "it": 'Per cambiarli scrivi ad esempio "acconsento alle offerte di Lumea" o "revoca il '
        'consenso marketing".',
        "en": 'To change them write, for example, "I agree to Lumea offers" or "withdraw my '
        'marketing consent".',
        "fr": "Pour les modifier écrivez par exemple « j'accepte les offres Lumea » ou « je "
        "retire mon consentement marketing ».",
    },
}
