"""Contract procedure texts: questions, precise refusals, summaries, cases and documents."""

from __future__ import annotations

from graph.prompts import Templates

AREA_CLIENTI = "https://www.lumea.example/area-clienti"

KINDS: Templates = {
    "voltura": {
        "it": "voltura (cambio di intestatario)",
        "en": "change of holder (voltura)",
        "fr": "changement de titulaire (voltura)",
    },
    "voltura_mortis_causa": {
        "it": "voltura mortis causa (per decesso dell'intestatario)",
        "en": "change of holder after a death (voltura mortis causa)",
        "fr": "changement de titulaire après un décès (voltura mortis causa)",
    },
    "subentro": {
        "it": "subentro (riattivazione della fornitura)",
        "en": "reactivation of a supply (subentro)",
        "fr": "réactivation d'une fourniture (subentro)",
    },
    "offer_change": {"it": "cambio offerta", "en": "change of offer", "fr": "changement d'offre"},
    "payment_method": {
        "it": "domiciliazione bancaria (addebito diretto SEPA)",
        "en": "direct debit (SEPA)",
        "fr": "prélèvement automatique (SEPA)",
    },
    "power_change": {
        "it": "cambio di potenza",
        "en": "power change",
        "fr": "changement de puissance",
    },
    "termination": {
        "it": "disdetta della fornitura",
        "en": "termination of the supply",
        "fr": "résiliation de la fourniture",
    },
    "withdrawal": {
        "it": "ripensamento (recesso entro 14 giorni)",
        "en": "withdrawal within 14 days (cooling-off)",
        "fr": "rétractation sous 14 jours",
    },
}

DOCUMENTS: Templates = {
    "meter_reading": {
        "it": "la lettura del contatore alla data della voltura",
        "en": "the meter reading on the date of the change",
        "fr": "le relevé du compteur à la date du changement",
    },
    "occupancy_title": {
        "it": "il titolo di occupazione dell'immobile (proprietà, affitto, comodato o altro)",
        "en": "your title to occupy the home (ownership, lease, free loan or other)",
        "fr": "le titre d'occupation du logement (propriété, location, prêt ou autre)",
    },
    "death_declaration": {
        "it": "la dichiarazione sostitutiva (autocertificazione) del decesso dell'intestatario e "
        "del tuo rapporto con lui o lei",
        "en": "a self-certification (dichiarazione sostitutiva) of the holder's death and of "
        "your relationship to them",
        "fr": "une déclaration sur l'honneur (dichiarazione sostitutiva) du décès du titulaire "
        "et de votre lien avec lui ou elle",
    },
    "gas_safety": {
        "it": "se l'impianto gas interno è stato modificato, i documenti per l'accertamento "
        "della sicurezza dell'impianto",
        "en": "if the indoor gas system was modified, the documents for its safety check",
        "fr": "si l'installation gaz intérieure a été modifiée, les documents pour le contrôle "
        "de sa sécurité",
    },
    "final_reading": {
        "it": "se puoi, un'autolettura del contatore il giorno in cui lasci la casa",
        "en": "if you can, a meter self-reading on the day you leave the home",
        "fr": "si possible, un relevé du compteur le jour où vous quittez le logement",
    },
    "withdrawal_form": {
        "it": "la comunicazione scritta di ripensamento: il modulo nell'area clienti o una PEC a "
        "reclami@pec.lumea.example",
        "en": "the written withdrawal notice: the form in the customer area or a PEC to "
        "reclami@pec.lumea.example",
        "fr": "la rétractation écrite : le formulaire de l'espace client ou une PEC à "
        "reclami@pec.lumea.example",
    },
}

LABELS: Templates = {
    "supply": {"it": "Fornitura", "en": "Supply", "fr": "Fourniture"},
    "supplies": {"it": "Forniture", "en": "Supplies", "fr": "Fournitures"},
    "all_supplies": {
        "it": "tutte le tue forniture",
        "en": "all your supplies",
        "fr": "toutes vos fournitures",
    },
    "holder": {"it": "Nuovo intestatario", "en": "New holder", "fr": "Nouveau titulaire"},
    "date_voltura": {"it": "Data della voltura", "en": "Date of the change", "fr": "Date"},
    "date_voltura_mortis_causa": {
        "it": "Data della voltura",
        "en": "Date of the change",
        "fr": "Date",
    },
    "date_subentro": {
        "it": "Data di attivazione",
        "en": "Activation date",
        "fr": "Date d'activation",
    },
    "date_termination": {"it": "Data di chiusura", "en": "Closing date", "fr": "Date de fermeture"},
    "commodity": {"it": "Servizio", "en": "Service", "fr": "Service"},
    "address_subentro": {"it": "Indirizzo", "en": "Address", "fr": "Adresse"},
    "address_termination": {
        "it": "Bolletta di chiusura a",
        "en": "Closing bill to",
        "fr": "Facture de clôture à",
    },
    "meter_code": {"it": "POD/PDR", "en": "POD/PDR", "fr": "POD/PDR"},
    "power": {"it": "Potenza", "en": "Power", "fr": "Puissance"},
    "offer": {"it": "Nuova offerta", "en": "New offer", "fr": "Nouvelle offre"},
    "current_offer": {"it": "Offerta attuale", "en": "Current offer", "fr": "Offre actuelle"},
    "iban": {"it": "IBAN", "en": "IBAN", "fr": "IBAN"},
    "contract_date": {
        "it": "Contratto concluso il",
        "en": "Contract concluded on",
        "fr": "Contrat conclu le",
    },
    "deadline": {
        "it": "Termine per il ripensamento",
        "en": "Withdrawal deadline",
        "fr": "Date limite de rétractation",
    },
}

STATUSES: Templates = {
    "open": {"it": "ancora aperta", "en": "still open", "fr": "toujours ouvert"},
    "waiting_documents": {
        "it": "in attesa di documenti",
        "en": "waiting for documents",
        "fr": "en attente de documents",
    },
    "in_progress": {"it": "in lavorazione", "en": "in progress", "fr": "en cours"},
    "completed": {"it": "completata", "en": "completed", "fr": "terminé"},
    "rejected": {"it": "respinta", "en": "rejected", "fr": "refusé"},
}

TEMPLATES: Templates = {
    "cases_header": {"it": "Le tue pratiche:", "en": "Your requests:", "fr": "Vos demandes :"},
    "case_line": {
        "it": "• {case} – {kind}, aperta il {date}: {status}",
        "en": "• {case} – {kind}, opened on {date}: {status}",
        "fr": "• {case} – {kind}, ouvert le {date} : {status}",
    },
    "case_documents": {
        "it": "  da inviare ancora: {documents}",
        "en": "  still to send: {documents}",
        "fr": "  encore à envoyer : {documents}",
    },
    "cases_footer": {
        "it": "Ti aggiorneremo qui a ogni passo; per una domanda su una pratica scrivi OPERATORE.",
        "en": "We'll update you here at every step; for a question about a request, write "
        "OPERATOR.",
        "fr": "Nous vous tiendrons informé ici à chaque étape ; pour une question sur une "
        "demande, écrivez OPÉRATEUR.",
    },
    "no_cases": {
        "it": "Non trovo pratiche a tuo nome. Se l'hai chiesta da poco per telefono o in area "
        "clienti potrebbe non essere ancora registrata: scrivi OPERATORE e la cerchiamo.",
        "en": "I can't find any request in your name. If you made it recently by phone or in "
        "the customer area it may not be registered yet: write OPERATOR and we'll look for it.",
        "fr": "Je ne trouve aucune demande à votre nom. Si vous l'avez faite récemment par "
        "téléphone ou dans l'espace client, elle n'est peut-être pas encore enregistrée : "
        "écrivez OPÉRATEUR et nous la chercherons.",
    },
    "case_in_progress": {
        "it": "Per questa fornitura hai già una pratica {case} dello stesso tipo, aperta il "
        "{date} e {status}: non ne apro un'altra. Ti aggiorneremo qui; per cambiarla scrivi "
        "OPERATORE.",
        "en": "You already have case {case} of this kind for this supply, opened on {date} "
        "and {status}: I won't open another. We'll update you here; to change it, write "
        "OPERATOR.",
        "fr": "Vous avez déjà le dossier {case} de ce type pour cette fourniture, ouvert le "
        "{date} et {status} : je n'en ouvre pas d'autre. Nous vous tiendrons informé(e) ; "
        "pour le modifier, écrivez OPÉRATEUR.",
    },
    "start_offer": {
        "it": "Se vuoi, avvio io la richiesta di {kind} qui in chat. Procedo?",
        "en": "If you like, I can start the {kind} request here in the chat. Shall I?",
        "fr": "Si vous le souhaitez, je lance la demande de {kind} ici. Je continue ?",
    },
    "start_declined": {
        "it": "Va bene. Se ti serve altro, scrivimi pure.",
        "en": "All right. If you need anything else, just write.",
        "fr": "D'accord. Si vous avez besoin d'autre chose, écrivez-moi.",
    },
    "condolences": {
        "it": "Mi dispiace molto per la tua perdita.",
        "en": "I'm very sorry for your loss.",
        "fr": "Toutes nos condoléances.",
    },
    "ask_supply": {
        "it": "Per quale fornitura? Scegli qui sotto oppure scrivimi il codice POD (luce) o "
        "PDR (gas).",
        "en": "Which supply? Choose below or send me the POD (electricity) or PDR (gas) code.",
        "fr": "Quelle fourniture ? Choisissez ci-dessous ou envoyez-moi le code POD "
        "(électricité) ou PDR (gaz).",
    },
    "ask_holder": {
        "it": "Scrivimi nome, cognome e codice fiscale del nuovo intestatario "
        "(es. Mario Rossi RSSMRA80A01H501U).",
        "en": "Please send me the new holder's full name and Italian tax code "
        "(e.g. Mario Rossi RSSMRA80A01H501U).",
        "fr": "Envoyez-moi le nom, le prénom et le code fiscal du nouveau titulaire "
        "(ex. Mario Rossi RSSMRA80A01H501U).",
    },
    "ask_holder_name": {
        "it": "Mi manca il nome: scrivimi nome e cognome del nuovo intestatario.",
        "en": "I still need the name: send me the new holder's first name and surname.",
        "fr": "Il me manque le nom : envoyez-moi le prénom et le nom du nouveau titulaire.",
    },
    "ask_fiscal_code": {
        "it": "Mi manca il codice fiscale del nuovo intestatario (16 caratteri, "
        "es. RSSMRA80A01H501U).",
        "en": "I still need the new holder's tax code (16 characters, e.g. RSSMRA80A01H501U).",
        "fr": "Il me manque le code fiscal du nouveau titulaire (16 caractères, "
        "ex. RSSMRA80A01H501U).",
    },
    "fiscal_code_format": {
        "it": "Il codice fiscale {code} non ha il formato giusto: 6 lettere, 2 cifre, 1 lettera, "
        "2 cifre, 1 lettera, 3 cifre e 1 lettera (es. RSSMRA80A01H501U). Me lo riscrivi?",
        "en": "The tax code {code} is not in the right format: 6 letters, 2 digits, 1 letter, "
        "2 digits, 1 letter, 3 digits and 1 letter (e.g. RSSMRA80A01H501U). Could you resend it?",
        "fr": "Le code fiscal {code} n'a pas le bon format : 6 lettres, 2 chiffres, 1 lettre, "
        "2 chiffres, 1 lettre, 3 chiffres et 1 lettre (ex. RSSMRA80A01H501U). Pouvez-vous le "
        "renvoyer ?",
    },
    "fiscal_code_check": {
        "it": "Il codice fiscale {code} non è valido: l'ultima lettera (di controllo) non "
        "corrisponde, forse c'è un errore di battitura. Me lo riscrivi?",
        "en": "The tax code {code} is not valid: its last letter (the check character) does "
        "not match, maybe a typo. Could you resend it?",
        "fr": "Le code fiscal {code} n'est pas valide : la dernière lettre (de contrôle) ne "
        "correspond pas, peut-être une faute de frappe. Pouvez-vous le renvoyer ?",
    },
    "same_holder": {
        "it": "Il codice fiscale {code} è quello dell'intestatario attuale: per la voltura "
        "serve quello del nuovo intestatario.",
        "en": "The tax code {code} is the current holder's: the change needs the new "
        "holder's tax code.",
        "fr": "Le code fiscal {code} est celui du titulaire actuel : il faut celui du nouveau "
        "titulaire.",
    },
    "ask_date_voltura": {
        "it": "Da che giorno vuoi la voltura? Scrivimi una data da oggi in poi (es. {example}).",
        "en": "From which day do you want the change? Send me a date from today on "
        "(e.g. {example}).",
        "fr": "À partir de quel jour voulez-vous le changement ? Indiquez une date à partir "
        "d'aujourd'hui (ex. {example}).",
    },
    "ask_date_subentro": {
        "it": "Da che giorno vuoi la fornitura attiva? Scrivimi una data da oggi in poi "
        "(es. {example}).",
        "en": "From which day do you want the supply on? Send me a date from today on "
        "(e.g. {example}).",
        "fr": "À partir de quel jour voulez-vous la fourniture ? Indiquez une date à partir "
        "d'aujourd'hui (ex. {example}).",
    },
    "ask_date_termination": {
        "it": "Da che giorno vuoi chiudere la fornitura? Scrivimi una data da oggi in poi "
        "(es. {example}).",
        "en": "From which day do you want the supply closed? Send me a date from today on "
        "(e.g. {example}).",
        "fr": "À partir de quel jour voulez-vous fermer la fourniture ? Indiquez une date à "
        "partir d'aujourd'hui (ex. {example}).",
    },
    "date_past": {
        "it": "La data {date} è già passata: scrivimi una data da oggi ({today}) in poi.",
        "en": "{date} is already past: send me a date from today ({today}) on.",
        "fr": "La date du {date} est déjà passée : indiquez une date à partir d'aujourd'hui "
        "({today}).",
    },
    "ask_contract_date": {
        "it": "In che giorno hai firmato il contratto (o ricevuto la conferma)? Es. {example}.",
        "en": "On which day did you sign the contract (or receive its confirmation)? "
        "E.g. {example}.",
        "fr": "Quel jour avez-vous signé le contrat (ou reçu sa confirmation) ? Ex. {example}.",
    },
    "withdrawal_future": {
        "it": "La data {date} è nel futuro: scrivimi il giorno in cui hai firmato il contratto "
        "o ricevuto la conferma (oggi è il {today}).",
        "en": "{date} is in the future: send me the day you signed the contract or received "
        "its confirmation (today is {today}).",
        "fr": "Le {date} est dans le futur : indiquez le jour où vous avez signé le contrat ou "
        "reçu sa confirmation (nous sommes le {today}).",
    },
    "withdrawal_expired": {
        "it": "Mi dispiace, il ripensamento non è più possibile: il contratto è del {date} e i "
        "14 giorni sono scaduti il {deadline}. Puoi comunque recedere quando vuoi senza "
        "penali, con la disdetta o cambiando fornitore.",
        "en": "I'm sorry, withdrawal is no longer possible: the contract is dated {date} and "
        "the 14 days ended on {deadline}. You can still terminate at any time without "
        "penalties, or switch supplier.",
        "fr": "Désolé, la rétractation n'est plus possible : le contrat date du {date} et les "
        "14 jours ont pris fin le {deadline}. Vous pouvez toujours résilier sans pénalités ou "
        "changer de fournisseur.",
    },
    "withdrawal_note": {
        "it": "Il ripensamento vale per i contratti firmati online, per telefono o fuori dai "
        "locali commerciali.",
        "en": "Withdrawal applies to contracts signed online, by phone or off-premises.",
        "fr": "La rétractation s'applique aux contrats signés en ligne, par téléphone ou hors "
        "établissement.",
    },
    "date_missing": {
        "it": "Non ho trovato una data nel messaggio: scrivila così, {example}.",
        "en": "I couldn't find a date in your message: write it like {example}.",
        "fr": "Je n'ai pas trouvé de date dans votre message : écrivez-la ainsi, {example}.",
    },
    "ask_iban": {
        "it": "Scrivimi l'IBAN del conto su cui addebitare le bollette (in Italia 27 "
        "caratteri, inizia con IT).",
        "en": "Send me the IBAN of the account to debit the bills to (27 characters in "
        "Italy, starting with IT).",
        "fr": "Envoyez-moi l'IBAN du compte à débiter (27 caractères en Italie, commence par IT).",
    },
    "iban_missing": {
        "it": "Non trovo un IBAN nel messaggio: un IBAN italiano ha 27 caratteri, es. "
        "IT60X0542811101000000123456.",
        "en": "I can't find an IBAN in your message: an Italian IBAN has 27 characters, e.g. "
        "IT60X0542811101000000123456.",
        "fr": "Je ne trouve pas d'IBAN dans votre message : un IBAN italien a 27 caractères, "
        "ex. IT60X0542811101000000123456.",
    },
    "iban_length": {
        "it": "L'IBAN {iban} non è valido: ha {length} caratteri, ma un IBAN {country} ne ha "
        "{expected}. Non ho salvato nulla: ricontrollalo e riscrivimelo.",
        "en": "The IBAN {iban} is not valid: it has {length} characters, but a {country} IBAN "
        "has {expected}. Nothing was saved: please check it and send it again.",
        "fr": "L'IBAN {iban} n'est pas valide : il a {length} caractères, alors qu'un IBAN "
        "{country} en a {expected}. Rien n'a été enregistré : vérifiez-le et renvoyez-le.",
    },
    "iban_checksum": {
        "it": "L'IBAN {iban} non è valido: le cifre di controllo non tornano, forse c'è un "
        "errore di battitura. Non ho salvato nulla: ricontrollalo e riscrivimelo.",
        "en": "The IBAN {iban} is not valid: its check digits don't match, maybe a typo. "
        "Nothing was saved: please check it and send it again.",
        "fr": "L'IBAN {iban} n'est pas valide : les chiffres de contrôle ne correspondent "
        "pas, peut-être une faute de frappe. Rien n'a été enregistré : vérifiez-le et "
        "renvoyez-le.",
    },
    "iban_format": {
        "it": "L'IBAN {iban} non ha il formato giusto (in Italia: IT, 2 cifre, 1 lettera e 22 "
        "caratteri). Non ho salvato nulla: ricontrollalo e riscrivimelo.",
        "en": "The IBAN {iban} is not in the right format (in Italy: IT, 2 digits, 1 letter "
        "and 22 characters). Nothing was saved: please check it and send it again.",
        "fr": "L'IBAN {iban} n'a pas le bon format (en Italie : IT, 2 chiffres, 1 lettre et "
        "22 caractères). Rien n'a été enregistré : vérifiez-le et renvoyez-le.",
    },
    "iban_country": {
        "it": "L'IBAN {iban} non è di un paese dell'area SEPA: la domiciliazione richiede un "
        "conto SEPA. Non ho salvato nulla.",
        "en": "The IBAN {iban} is not from a SEPA country: direct debit needs a SEPA account. "
        "Nothing was saved.",
        "fr": "L'IBAN {iban} n'est pas d'un pays de la zone SEPA : le prélèvement exige un "
        "compte SEPA. Rien n'a été enregistré.",
    },
    "ask_power": {
        "it": "La potenza attuale è {current} kW. Quale vuoi? Valori disponibili: {values} kW.",
        "en": "Your current power is {current} kW. Which do you want? Available: {values} kW.",
        "fr": "Votre puissance actuelle est de {current} kW. Laquelle voulez-vous ? "
        "Valeurs possibles : {values} kW.",
    },
    "ask_power_new": {
        "it": "Che potenza vuoi impegnare? Valori disponibili: {values} kW (3 kW è la più comune).",
        "en": "Which power do you want? Available: {values} kW (3 kW is the most common).",
        "fr": "Quelle puissance voulez-vous ? Valeurs possibles : {values} kW (3 kW est la "
        "plus courante).",
    },
    "power_not_standard": {
        "it": "{power} kW non è tra i valori disponibili: {values} kW. Quale scegli?",
        "en": "{power} kW is not one of the available values: {values} kW. Which one?",
        "fr": "{power} kW ne fait pas partie des valeurs possibles : {values} kW. Laquelle ?",
    },
    "power_same": {
        "it": "La tua potenza è già {power} kW. Quale altro valore vuoi? ({values} kW)",
        "en": "Your power is already {power} kW. Which other value do you want? ({values} kW)",
        "fr": "Votre puissance est déjà de {power} kW. Quelle autre valeur ? ({values} kW)",
    },
    "power_offer_note": {
        "it": "Nota: le offerte domestiche Lumea valgono fino a 6 kW; l'operatore verificherà "
        "l'offerta adatta.",
        "en": "Note: Lumea's domestic offers cover up to 6 kW; an operator will check the "
        "right offer.",
        "fr": "Note : les offres domestiques Lumea couvrent jusqu'à 6 kW ; un conseiller "
        "vérifiera l'offre adaptée.",
    },
    "offers_header": {
        "it": "Le offerte Lumea per la fornitura {commodity} valide oggi, dalle schede sintetiche:",
        "en": "Lumea's {commodity} offers valid today, from the offer sheets (in Italian):",
        "fr": "Les offres Lumea {commodity} valables aujourd'hui, d'après les fiches (en "
        "italien) :",
    },
    "offer_current": {
        "it": " — la tua offerta attuale",
        "en": " — your current offer",
        "fr": " — votre offre actuelle",
    },
    "offers_footer": {
        "it": "Quale scegli? Rispondi con il numero.",
        "en": "Which one do you choose? Reply with the number.",
        "fr": "Laquelle choisissez-vous ? Répondez avec le numéro.",
    },
    "offer_unknown": {
        "it": "Non ho capito quale offerta: rispondi con il numero (da 1 a {count}).",
        "en": "I didn't get which offer: reply with its number (1 to {count}).",
        "fr": "Je n'ai pas compris quelle offre : répondez avec son numéro (de 1 à {count}).",
    },
    "offer_is_current": {
        "it": "{name} è già la tua offerta: scegline un'altra tra quelle elencate.",
        "en": "{name} is already your offer: choose another one from the list.",
        "fr": "{name} est déjà votre offre : choisissez-en une autre dans la liste.",
    },
    "no_other_offer": {
        "it": "Per la fornitura {commodity} oggi c'è solo l'offerta {name}, che è già la tua.",
        "en": "For {commodity} the only offer today is {name}, which you already have.",
        "fr": "Pour la fourniture {commodity}, la seule offre aujourd'hui est {name}, que "
        "vous avez déjà.",
    },
    "no_offers": {
        "it": "Non trovo offerte in vigore oggi per la fornitura {commodity}. Scrivi OPERATORE "
        "per parlarne con una persona.",
        "en": "I can't find any offer valid today for {commodity}. Write OPERATOR to talk "
        "to a person.",
        "fr": "Je ne trouve aucune offre valable aujourd'hui pour {commodity}. Écrivez "
        "OPÉRATEUR pour parler à une personne.",
    },
    "ask_commodity": {
        "it": "Per quale servizio: luce, gas o acqua?",
        "en": "For which service: electricity, gas or water?",
        "fr": "Pour quel service : électricité, gaz ou eau ?",
    },
    "ask_address_subentro": {
        "it": "Scrivimi l'indirizzo della casa (via, numero civico e comune) e, se lo trovi, il "
        "codice POD o PDR scritto sul contatore o su una vecchia bolletta.",
        "en": "Send me the home's address (street, number and town) and, if you can find it, "
        "the POD or PDR code on the meter or on an old bill.",
        "fr": "Envoyez-moi l'adresse du logement (rue, numéro et commune) et, si vous le "
        "trouvez, le code POD ou PDR sur le compteur ou une ancienne facture.",
    },
    "ask_address_termination": {
        "it": "A quale indirizzo (o email) mandiamo la bolletta di chiusura?",
        "en": "To which address (or email) should we send the closing bill?",
        "fr": "À quelle adresse (ou e-mail) envoyer la facture de clôture ?",
    },
    "address_missing": {
        "it": "Non mi sembra un indirizzo completo: scrivimi via, numero civico e comune "
        "(o un'email).",
        "en": "That doesn't look like a full address: send me street, number and town "
        "(or an email).",
        "fr": "Cela ne ressemble pas à une adresse complète : indiquez rue, numéro et commune "
        "(ou un e-mail).",
    },
    "supply_not_yours": {
        "it": "Il codice {code} non risulta tra le tue forniture ({supplies}). Controlla il "
        "codice sulla prima pagina della bolletta e riscrivimelo.",
        "en": "The code {code} is not one of your supplies ({supplies}). Check the code on "
        "the first page of your bill and send it again.",
        "fr": "Le code {code} ne correspond à aucune de vos fournitures ({supplies}). "
        "Vérifiez le code en première page de la facture et renvoyez-le.",
    },
    "wrong_commodity": {
        "it": "La richiesta di {kind} vale solo per: {allowed}. La fornitura {code} è {commodity}.",
        "en": "A {kind} request is only possible for: {allowed}. Supply {code} is {commodity}.",
        "fr": "Une demande de {kind} n'est possible que pour : {allowed}. La fourniture "
        "{code} est {commodity}.",
    },
    "no_supply_for_kind": {
        "it": "La richiesta di {kind} vale solo per: {allowed}, e non hai forniture di questo "
        "tipo con Lumea.",
        "en": "A {kind} request is only possible for: {allowed}, and you have no such supply "
        "with Lumea.",
        "fr": "Une demande de {kind} n'est possible que pour : {allowed}, et vous n'avez "
        "aucune fourniture de ce type chez Lumea.",
    },
    "supply_inactive": {
        "it": "La fornitura {code} non è attiva: per riaprire un contatore chiuso serve un "
        "subentro.",
        "en": "Supply {code} is not active: a closed meter is reopened with a subentro.",
        "fr": "La fourniture {code} n'est pas active : un compteur fermé se rouvre par un "
        "subentro.",
    },
    "supply_already_yours": {
        "it": "La fornitura {code} è già tua e attiva: non serve un subentro.",
        "en": "Supply {code} is already yours and active: no reactivation is needed.",
        "fr": "La fourniture {code} est déjà la vôtre et active : pas besoin de subentro.",
    },
    "summary_header": {
        "it": "Riepilogo della richiesta di {kind}:",
        "en": "Summary of your {kind} request:",
        "fr": "Récapitulatif de votre demande de {kind} :",
    },
    "consent": {
        "it": "Confermi e apro la pratica? Rispondi SÌ o NO.",
        "en": "Do you confirm, so I open the case? Reply YES or NO.",
        "fr": "Confirmez-vous l'ouverture du dossier ? Répondez OUI ou NON.",
    },
    "case_opened": {
        "it": "Fatto: ho aperto la pratica {case} – {kind}.",
        "en": "Done: I've opened case {case} – {kind}.",
        "fr": "C'est fait : j'ai ouvert le dossier {case} – {kind}.",
    },
    "row": {"it": "• {label}: {value}", "en": "• {label}: {value}", "fr": "• {label} : {value}"},
    "documents_header": {
        "it": "Per completarla ci servono ancora:",
        "en": "To complete it we still need:",
        "fr": "Pour le compléter, il nous faut encore :",
    },
    "documents_how": {
        "it": "Puoi inviarli dall'area clienti " + AREA_CLIENTI + " indicando la pratica {case}.",
        "en": "You can send them from the customer area " + AREA_CLIENTI + " quoting case {case}.",
        "fr": "Vous pouvez les envoyer depuis l'espace client " + AREA_CLIENTI + " en "
        "indiquant le dossier {case}.",
    },
    "no_documents": {
        "it": "Non servono altri documenti: ti aggiorneremo qui sull'avanzamento.",
        "en": "No further documents are needed: we'll update you here.",
        "fr": "Aucun autre document n'est nécessaire : nous vous tiendrons informé(e) ici.",
    },
    "cancelled": {
        "it": "Va bene, non ho aperto nessuna pratica.",
        "en": "All right, I haven't opened any case.",
        "fr": "D'accord, je n'ai ouvert aucun dossier.",
    },
}
