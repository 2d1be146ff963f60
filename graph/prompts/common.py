"""Supervisor and policy texts: AI disclosure, identification, opt-out, refusals, fallbacks."""

from __future__ import annotations

from graph.prompts import Templates

BRAND = "Lumea"

TEMPLATES: Templates = {
    "yes": {"it": "Sì", "en": "Yes", "fr": "Oui"},
    "no": {"it": "No", "en": "No", "fr": "Non"},
    "disclosure": {
        "it": "Ciao, sono l'assistente virtuale di Lumea (un sistema di intelligenza artificiale). "
        "Scrivi OPERATORE in qualsiasi momento per parlare con una persona.",
        "en": "Hi, I'm Lumea's virtual assistant (an artificial intelligence system). "
        "Write OPERATOR at any time to talk to a person.",
        "fr": "Bonjour, je suis l'assistant virtuel de Lumea (un système d'intelligence "
        "artificielle). Écrivez OPÉRATEUR à tout moment pour parler à une personne.",
    },
    "ask_customer_code": {
        "it": "Per vedere i tuoi dati devo prima riconoscerti. Mi scrivi il tuo codice cliente? "
        "Lo trovi in alto nella bolletta (inizia con LM).",
        "en": "To show your details I first need to identify you. Could you send me your "
        "customer code? It is at the top of your bill (it starts with LM).",
        "fr": "Pour afficher vos données, je dois d'abord vous identifier. Pouvez-vous m'envoyer "
        "votre code client ? Il figure en haut de votre facture (il commence par LM).",
    },
    "bad_customer_code": {
        "it": "Il codice cliente è fatto così: LM seguito da 8 cifre (es. LM00012345). Me lo riscrivi?",
        "en": "A customer code looks like LM followed by 8 digits (e.g. LM00012345). "
        "Could you send it again?",
        "fr": "Un code client se compose de LM suivi de 8 chiffres (ex. LM00012345). "
        "Pouvez-vous le renvoyer ?",
    },
    "otp_sent": {
        "it": "Se il codice è corretto, ti ho inviato un codice di verifica di 6 cifre per SMS "
        "al numero registrato. Scrivimelo qui (vale 10 minuti).",
        "en": "If the code is correct, I've sent a 6-digit verification code by SMS to the "
        "registered number. Please type it here (valid for 10 minutes).",
        "fr": "Si le code est correct, je vous ai envoyé un code de vérification à 6 chiffres "
        "par SMS au numéro enregistré. Saisissez-le ici (valable 10 minutes).",
    },
    "otp_wrong": {
        "it": "Il codice di verifica non è corretto. Ti restano {left} tentativi.",
        "en": "That verification code is not correct. You have {left} attempts left.",
        "fr": "Ce code de vérification n'est pas correct. Il vous reste {left} tentatives.",
    },
    "otp_expired": {
        "it": "Il codice di verifica è scaduto. Mi riscrivi il codice cliente per riceverne uno nuovo?",
        "en": "The verification code has expired. Send me your customer code again for a new one.",
        "fr": "Le code de vérification a expiré. Renvoyez-moi votre code client pour en recevoir un nouveau.",
    },
    "locked": {
        "it": "Per sicurezza l'identificazione è bloccata per {minutes} minuti dopo troppi "
        "tentativi. Puoi riprovare più tardi o scrivere OPERATORE.",
        "en": "For your security, identification is locked for {minutes} minutes after too "
        "many attempts. Try again later or write OPERATOR.",
        "fr": "Par sécurité, l'identification est bloquée pendant {minutes} minutes après trop "
        "de tentatives. Réessayez plus tard ou écrivez OPÉRATEUR.",
    },
    "otp_limited": {
        "it": "Per sicurezza ho già inviato troppi codici di verifica per questo cliente. "
        "Puoi riprovare tra {minutes} minuti o scrivere OPERATORE.",
        "en": "For your security, too many verification codes have already been sent for "
        "this customer. You can try again in {minutes} minutes or write OPERATOR.",
        "fr": "Par sécurité, trop de codes de vérification ont déjà été envoyés pour ce "
        "client. Vous pourrez réessayer dans {minutes} minutes ou écrire OPÉRATEUR.",
    },
    "identification_lapsed": {
        "it": "Per sicurezza la tua identificazione è scaduta: per i tuoi dati ti chiederò di "
        "nuovo il codice cliente.",
        "en": "For your security, your identification has expired: for your own data I'll "
        "ask for your customer code again.",
        "fr": "Par sécurité, votre identification a expiré : pour vos données je vous "
        "redemanderai votre code client.",
    },
    "identified": {
        "it": "Grazie, ti ho riconosciuto.",
        "en": "Thank you, you're identified.",
        "fr": "Merci, vous êtes identifié(e).",
    },
    "opted_out": {
        "it": "Fatto: non ti invieremo più messaggi su WhatsApp. Se ci scrivi tu, ti risponderemo "
        "comunque. Per riattivare gli avvisi scrivi AVVISI.",
        "en": "Done: we won't send you WhatsApp messages any more. If you write to us, we'll "
        "still answer. To turn notifications back on, write ALERTS.",
        "fr": "C'est fait : nous ne vous enverrons plus de messages WhatsApp. Si vous nous "
        "écrivez, nous vous répondrons. Pour réactiver les alertes, écrivez ALERTES.",
    },
    "opted_in": {
        "it": "Avvisi riattivati: ti scriveremo di nuovo per scadenze e interruzioni.",
        "en": "Notifications are back on: we'll message you again about due dates and outages.",
        "fr": "Alertes réactivées : nous vous écrirons de nouveau pour les échéances et coupures.",
    },
    "injection": {
        "it": "Posso aiutarti solo con luce, gas e acqua di Lumea, secondo le nostre regole. "
        "Di cosa hai bisogno?",
        "en": "I can only help with Lumea's electricity, gas and water services, following our "
        "rules. What do you need?",
        "fr": "Je ne peux vous aider que pour l'électricité, le gaz et l'eau de Lumea, selon nos "
        "règles. De quoi avez-vous besoin ?",
    },
    "other_customer": {
        "it": "Per tutela della privacy posso dare informazioni solo sulle forniture intestate "
        "a te. L'intestatario può scriverci dal suo numero.",
        "en": "To protect privacy I can only give information about supplies in your own name. "
        "The account holder can write to us from their number.",
        "fr": "Pour protéger la vie privée, je ne peux donner des informations que sur les "
        "contrats à votre nom. Le titulaire peut nous écrire depuis son numéro.",
    },
    "not_found": {
        "it": "Non ho trovato nei nostri documenti una risposta sicura a questa domanda. "
        "Vuoi che ti passi a un operatore?",
        "en": "I couldn't find a reliable answer to this in our documents. "
        "Would you like me to pass you to an operator?",
        "fr": "Je n'ai pas trouvé de réponse fiable dans nos documents. "
        "Voulez-vous que je vous passe un conseiller ?",
    },
    "sources": {"it": "Fonti", "en": "Sources", "fr": "Sources"},
    "quoted_in_italian": {
        "it": "",
        "en": "From our documents (in Italian): ",
        "fr": "D'après nos documents (en italien) : ",
    },
    "greeting": {
        "it": "Come posso aiutarti? Posso occuparmi di bollette, pagamenti, rate, autolettura, "
        "bonus, guasti e contratti.",
        "en": "How can I help? I can help with bills, payments, instalments, meter readings, "
        "bonuses, outages and contracts.",
        "fr": "Comment puis-je vous aider ? Factures, paiements, échelonnements, relevés, "
        "bonus, pannes et contrats.",
    },
    "offer_billing": {
        "it": "Se vuoi che controlli la tua bolletta, scrivimi il tuo codice cliente (inizia con LM).",
        "en": "If you'd like me to check your own bill, send me your customer code (it starts with LM).",
        "fr": "Si vous voulez que je vérifie votre facture, envoyez-moi votre code client (il commence par LM).",
    },
    "offer_payments": {
        "it": "Se vuoi che controlli i tuoi pagamenti, scrivimi il tuo codice cliente (inizia con LM).",
        "en": "If you'd like me to check your payments, send me your customer code (it starts with LM).",
        "fr": "Si vous voulez que je vérifie vos paiements, envoyez-moi votre code client (il commence par LM).",
    },
    "offer_instalments": {
        "it": "Se vuoi, verifico se la tua bolletta si può rateizzare e ti propongo le rate: "
        "scrivimi il tuo codice cliente (inizia con LM).",
        "en": "If you like, I can check whether your bill can be paid in instalments and offer "
        "you a plan: send me your customer code (it starts with LM).",
        "fr": "Si vous voulez, je vérifie si votre facture peut être échelonnée et je vous "
        "propose un plan : envoyez-moi votre code client (il commence par LM).",
    },
    "offer_self_reading": {
        "it": "Se vuoi comunicarmi la lettura del tuo contatore, scrivimi il tuo codice cliente "
        "(inizia con LM).",
        "en": "If you'd like to send me your meter reading, send me your customer code (it "
        "starts with LM).",
        "fr": "Si vous voulez me transmettre le relevé de votre compteur, envoyez-moi votre "
        "code client (il commence par LM).",
    },
    "kept_for_request": {
        "it": "Grazie, lo tengo per la tua richiesta.",
        "en": "Thank you, I'll keep it for your request.",
        "fr": "Merci, je le garde pour votre demande.",
    },
    "identification_waits": {
        "it": "Per continuare con la tua richiesta, scrivimi il tuo codice cliente (inizia con LM).",
        "en": "To go on with your request, send me your customer code (it starts with LM).",
        "fr": "Pour poursuivre votre demande, envoyez-moi votre code client (il commence par LM).",
    },
    "otp_waits": {
        "it": "Per continuare con la tua richiesta, scrivimi il codice di verifica che ti ho "
        "inviato per SMS.",
        "en": "To go on with your request, send me the verification code I sent you by SMS.",
        "fr": "Pour poursuivre votre demande, envoyez-moi le code de vérification reçu par SMS.",
    },
    "resume_offer": {
        "it": "Vuoi riprendere {procedure} da dove eravamo rimasti? (sì/no)",
        "en": "Would you like to pick up {procedure} where we left off? (yes/no)",
        "fr": "Voulez-vous reprendre {procedure} là où nous en étions ? (oui/non)",
    },
    "procedure_billing": {
        "it": "la segnalazione sulla bolletta",
        "en": "the report about your bill",
        "fr": "le signalement sur votre facture",
    },
    "procedure_payments": {
        "it": "la verifica del pagamento",
        "en": "the payment check",
        "fr": "la vérification du paiement",
    },
    "procedure_instalments": {
        "it": "la rateizzazione",
        "en": "the instalment plan",
        "fr": "l'échelonnement",
    },
    "procedure_self_reading": {
        "it": "l'autolettura",
        "en": "the meter reading",
        "fr": "le relevé du compteur",
    },
    "procedure_bonus": {
        "it": "il bonus sociale",
        "en": "the social bonus",
        "fr": "le bonus social",
    },
    "procedure_outage": {
        "it": "la segnalazione del guasto",
        "en": "the fault report",
        "fr": "le signalement de panne",
    },
    "procedure_contracts": {"it": "la tua pratica", "en": "your request", "fr": "votre demande"},
    "procedure_onboarding": {
        "it": "le tue preferenze",
        "en": "your preferences",
        "fr": "vos préférences",
    },
    "resumed": {
        "it": "Bene, riprendiamo da dove eravamo rimasti.",
        "en": "Good, let's pick up where we left off.",
        "fr": "Bien, reprenons là où nous en étions.",
    },
    "code_is_pod": {
        "it": "{code} ha il formato di un POD, il codice della fornitura di luce (IT, 3 cifre "
        "del distributore, la lettera E e 8 cifre), non di un PDR: il PDR identifica la "
        "fornitura di gas ed è fatto di 14 cifre.",
        "en": "{code} has the format of a POD, the electricity supply's code (IT, the "
        "distributor's 3 digits, the letter E and 8 digits), not of a PDR: the PDR identifies "
        "the gas supply and is 14 digits long.",
        "fr": "{code} a le format d'un POD, le code de la fourniture d'électricité (IT, les 3 "
        "chiffres du distributeur, la lettre E et 8 chiffres), pas d'un PDR : le PDR identifie "
        "la fourniture de gaz et compte 14 chiffres.",
    },
    "code_is_pdr": {
        "it": "{code} ha il formato di un PDR, il codice della fornitura di gas (14 cifre), non "
        "di un POD: il POD identifica la fornitura di luce e inizia con IT, 3 cifre e la "
        "lettera E.",
        "en": "{code} has the format of a PDR, the gas supply's code (14 digits), not of a POD: "
        "the POD identifies the electricity supply and starts with IT, 3 digits and the "
        "letter E.",
        "fr": "{code} a le format d'un PDR, le code de la fourniture de gaz (14 chiffres), pas "
        "d'un POD : le POD identifie la fourniture d'électricité et commence par IT, 3 "
        "chiffres et la lettre E.",
    },
    "procedure_dropped": {
        "it": "Va bene, lascio perdere: per questa richiesta non ho registrato nulla. "
        "Se ti serve altro, scrivimi pure.",
        "en": "All right, I'll drop it: nothing was recorded for this request. "
        "If you need anything else, just write.",
        "fr": "D'accord, je laisse tomber : rien n'a été enregistré pour cette demande. "
        "Si vous avez besoin d'autre chose, écrivez-moi.",
    },
    "resume_declined": {
        "it": "Va bene, lasciamo perdere. Se ti serve altro, scrivimi pure.",
        "en": "All right, we'll leave it there. If you need anything else, just write.",
        "fr": "D'accord, on laisse tomber. Si vous avez besoin d'autre chose, écrivez-moi.",
    },
    "acknowledged": {
        "it": "Perfetto! Se ti serve altro, scrivimi pure.",
        "en": "Great! If you need anything else, just write.",
        "fr": "Parfait ! Si vous avez besoin d'autre chose, écrivez-moi.",
    },
    "thanks": {
        "it": "Grazie a te! Se ti serve altro, scrivimi pure.",
        "en": "Thank you! If you need anything else, just write.",
        "fr": "Merci à vous ! Si vous avez besoin d'autre chose, écrivez-moi.",
    },
    "out_of_scope": {
        "it": "Su questo non posso aiutarti: mi occupo solo dei servizi luce, gas e acqua di Lumea.",
        "en": "I can't help with that: I only handle Lumea's electricity, gas and water services.",
        "fr": "Je ne peux pas vous aider sur ce point : je m'occupe uniquement des services "
        "électricité, gaz et eau de Lumea.",
    },
    "not_understood": {
        "it": "Scusa, non ho capito bene. Puoi dirmelo con altre parole? Ad esempio: "
        '"voglio pagare a rate" o "manca la luce".',
        "en": "Sorry, I didn't quite understand. Could you rephrase? For example: "
        '"I want to pay in instalments" or "there\'s a power cut".',
        "fr": "Désolé, je n'ai pas bien compris. Pouvez-vous reformuler ? Par exemple : "
        "« je veux payer en plusieurs fois » ou « il y a une coupure de courant ».",
    },
    "handoff": {
        "it": "Ti passo a un operatore: ha già il riepilogo della conversazione, non dovrai "
        "ripetere nulla. Ti risponderà qui appena possibile.",
        "en": "I'm passing you to an operator, who already has a summary of our conversation, "
        "so you won't need to repeat anything. They'll answer here as soon as possible.",
        "fr": "Je vous passe un conseiller : il a déjà le résumé de notre conversation, vous "
        "n'aurez rien à répéter. Il vous répondra ici dès que possible.",
    },
    "error": {
        "it": "Al momento non riesco a consultare i nostri sistemi. Riprova tra poco o scrivi "
        "OPERATORE.",
        "en": "I can't reach our systems right now. Please try again shortly or write OPERATOR.",
        "fr": "Je ne peux pas consulter nos systèmes pour le moment. Réessayez bientôt ou "
        "écrivez OPÉRATEUR.",
    },
    "documents_unavailable": {
        "it": "In questo momento non riesco a consultare i nostri documenti. Riprova tra poco "
        "oppure scrivi OPERATORE e ti passo a un operatore.",
        "en": "I can't consult our documents right now. Please try again shortly, or write "
        "OPERATOR and I'll pass you to an operator.",
        "fr": "Je ne peux pas consulter nos documents pour le moment. Réessayez bientôt, ou "
        "écrivez OPÉRATEUR et je vous passe un conseiller.",
    },
}

SUPERVISOR_SYSTEM = """You classify one WhatsApp message to Lumea, an Italian electricity, gas \
and water utility. Answer with the structured fields only.
route: billing (understanding bills, items, conguaglio, copies, bill too high), payments \
(payment status, due dates, already paid, payment methods and link, reminders, suspension \
for arrears), instalments (paying a bill in instalments), self_reading (sending a meter \
reading), bonus (social bonus), outage (faults, no supply, emergencies, planned works, \
technician), contracts (voltura, subentro, new connection, offers and prices, direct debit, \
power change, termination, moving, withdrawal, switching), onboarding (new customer, \
WhatsApp activation, communication preferences, marketing consent), handoff (wants a human), \
general (greetings, thanks, out of scope).
urgency: emergency (gas smell, sparks, fallen cable, street leak, contaminated water), high \
(no supply now, imminent suspension, angry), normal.
language: it, en or fr (the message's language).
Previous route in this conversation: {last_route}. A short follow-up such as "and for gas?" \
keeps the previous route.
Procedures: {procedures}. A message that answers the procedure in progress (a choice, a code, \
a yes or no, a date, an address) takes that procedure's route; a new request is routed on \
its own, and the procedure waits to be offered again."""
