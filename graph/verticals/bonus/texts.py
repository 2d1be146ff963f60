"""Bonus sociale texts: a customer's bonus status, the physical-hardship application, the ISEE rule."""

from __future__ import annotations

from graph.prompts import Templates

TEMPLATES: Templates = {
    "offer_status": {
        "it": "Se vuoi che controlli il bonus sulle tue forniture, scrivimi il tuo codice cliente "
        "(inizia con LM).",
        "en": "If you'd like me to check the bonus on your own supplies, send me your customer "
        "code (it starts with LM).",
        "fr": "Si vous voulez que je vérifie le bonus sur vos fournitures, envoyez-moi votre code "
        "client (il commence par LM).",
    },
    "kind_economic": {
        "it": "bonus per disagio economico",
        "en": "economic hardship bonus",
        "fr": "bonus pour précarité économique",
    },
    "kind_physical": {
        "it": "bonus per disagio fisico",
        "en": "physical hardship bonus",
        "fr": "bonus pour raisons de santé (disagio fisico)",
    },
    "status_header": {
        "it": "Ecco il bonus sociale sulle tue forniture:",
        "en": "Here is the social bonus on your supplies:",
        "fr": "Voici le bonus social sur vos contrats :",
    },
    "status_active": {
        "it": "• {supply}: {kind} dal {start} al {end} (scade tra {days} giorni).",
        "en": "• {supply}: {kind} from {start} to {end} (expires in {days} days).",
        "fr": "• {supply} : {kind} du {start} au {end} (expire dans {days} jours).",
    },
    "status_expiring": {
        "it": "• {supply}: {kind} fino al {end}, scade tra {days} giorni: rinnova subito la DSU "
        "per non interromperlo.",
        "en": "• {supply}: {kind} until {end}, expiring in {days} days: renew your DSU now to "
        "keep it going.",
        "fr": "• {supply} : {kind} jusqu'au {end}, expire dans {days} jours : renouvelez la DSU "
        "maintenant pour ne pas l'interrompre.",
    },
    "status_physical": {
        "it": "• {supply}: {kind} dal {start}. Non va rinnovato ogni anno: dura finché "
        "l'apparecchiatura è in uso (registrato fino al {end}).",
        "en": "• {supply}: {kind} since {start}. It needs no yearly renewal: it lasts while the "
        "equipment is in use (on record until {end}).",
        "fr": "• {supply} : {kind} depuis le {start}. Pas de renouvellement annuel : il dure "
        "tant que l'appareil est utilisé (enregistré jusqu'au {end}).",
    },
    "status_not_started": {
        "it": "• {supply}: {kind} riconosciuto, parte il {start} (fino al {end}).",
        "en": "• {supply}: {kind} granted, starting on {start} (until {end}).",
        "fr": "• {supply} : {kind} accordé, à partir du {start} (jusqu'au {end}).",
    },
    "status_expired": {
        "it": "• {supply}: il {kind} è scaduto il {end}.",
        "en": "• {supply}: the {kind} expired on {end}.",
        "fr": "• {supply} : le {kind} a expiré le {end}.",
    },
    "status_none": {
        "it": "• {supply}: nessun bonus attivo.",
        "en": "• {supply}: no bonus.",
        "fr": "• {supply} : aucun bonus.",
    },
    "status_not_domestic": {
        "it": "• {supply}: il bonus sociale vale solo per le forniture domestiche.",
        "en": "• {supply}: the social bonus is only for household supplies.",
        "fr": "• {supply} : le bonus social concerne uniquement les contrats domestiques.",
    },
    "no_supplies": {
        "it": "Non vedo forniture attive a tuo nome, quindi nessun bonus da mostrarti.",
        "en": "I can't see any active supply in your name, so there is no bonus to show.",
        "fr": "Je ne vois aucun contrat actif à votre nom, donc aucun bonus à afficher.",
    },
    "how_economic": {
        "it": "Il bonus per disagio economico arriva da solo: presenta la DSU all'INPS e, se "
        "l'ISEE è sotto soglia, lo sconto compare in bolletta. Nessuna domanda, nessun "
        "documento da mandarci.",
        "en": "The economic hardship bonus comes by itself: file the DSU with INPS and, if the "
        "ISEE is under the threshold, the discount appears on the bill. No application and no "
        "documents to send us.",
        "fr": "Le bonus pour précarité économique est automatique : déposez la DSU auprès de "
        "l'INPS et, si l'ISEE est sous le seuil, la réduction apparaît sur la facture. Aucune "
        "demande, aucun document à nous envoyer.",
    },
    "renew_economic": {
        "it": "Il bonus economico dura 12 mesi: rinnova la DSU prima della scadenza e prosegue "
        "senza interruzioni.",
        "en": "The economic bonus lasts 12 months: renew the DSU before it expires and it "
        "continues without a break.",
        "fr": "Le bonus économique dure 12 mois : renouvelez la DSU avant l'échéance et il "
        "continue sans interruption.",
    },
    "how_physical": {
        "it": "Se in casa qualcuno usa apparecchiature elettromedicali salvavita, per la luce c'è "
        'anche il bonus per disagio fisico: va chiesto al Comune o a un CAF (scrivi "disagio '
        'fisico" per i documenti).',
        "en": "If someone at home uses electrical life-support equipment, there is also the "
        "physical hardship bonus on electricity: apply at the Comune or a CAF (write "
        '"physical hardship" for the documents).',
        "fr": "Si quelqu'un à la maison utilise un appareil médical de maintien en vie, il "
        "existe aussi le bonus disagio fisico sur l'électricité : demande à la mairie (Comune) "
        "ou à un CAF (écrivez « disagio fisico » pour les documents).",
    },
    "physical_intro": {
        "it": "Il bonus per disagio fisico (solo luce) non dipende dall'ISEE e non è automatico: "
        "va chiesto {where}. Per la domanda servono:",
        "en": "The physical hardship bonus (electricity only) does not depend on the ISEE and is "
        "not automatic: you apply {where}. You need:",
        "fr": "Le bonus disagio fisico (électricité seulement) ne dépend pas de l'ISEE et n'est "
        "pas automatique : la demande se fait {where}. Il faut :",
    },
    "physical_has_it": {
        "it": "Sulla fornitura {supply} hai già il bonus per disagio fisico.",
        "en": "Your supply {supply} already has the physical hardship bonus.",
        "fr": "Votre contrat {supply} a déjà le bonus disagio fisico.",
    },
    "where_comune": {
        "it": "al Comune di residenza",
        "en": "at the town hall where you live (Comune di residenza)",
        "fr": "à la mairie de votre résidence (Comune di residenza)",
    },
    "where_caf": {
        "it": "a un CAF abilitato",
        "en": "at an authorised CAF",
        "fr": "à un CAF agréé",
    },
    "or": {"it": " o ", "en": " or ", "fr": " ou "},
    "doc_asl_certificate": {
        "it": "il certificato dell'ASL con il tipo di apparecchiatura e le ore di utilizzo al "
        "giorno",
        # the Italian name too: it is what the customer asks the ASL (health authority) for
        "en": "the ASL certificate (certificato dell'ASL) with the type of equipment and its "
        "daily hours of use",
        "fr": "le certificat de l'ASL (certificato dell'ASL) indiquant le type d'appareil et ses "
        "heures d'utilisation par jour",
    },
    "doc_pod": {
        "it": "il codice POD della luce{value}",
        "en": "the electricity POD code{value}",
        "fr": "le code POD de l'électricité{value}",
    },
    "doc_contracted_power": {
        "it": "la potenza impegnata del contatore{value}",
        "en": "the meter's contracted power{value}",
        "fr": "la puissance souscrite du compteur{value}",
    },
    "doc_holder_and_user": {
        "it": "i dati dell'intestatario e di chi usa l'apparecchiatura",
        "en": "the details of the account holder and of the person using the equipment",
        "fr": "les données du titulaire et de la personne qui utilise l'appareil",
    },
    "yours": {
        "it": " (nel tuo caso: {value})",
        "en": " (yours: {value})",
        "fr": " (dans votre cas : {value})",
    },
    "on_the_bill": {
        "it": " (è sulla prima pagina della bolletta)",
        "en": " (on the first page of the bill)",
        "fr": " (en première page de la facture)",
    },
    "physical_lasts": {
        "it": "Una volta riconosciuto non va rinnovato ogni anno: dura finché l'apparecchiatura "
        "è in uso.",
        "en": "Once granted it needs no yearly renewal: it lasts while the equipment is in use.",
        "fr": "Une fois accordé, il ne se renouvelle pas chaque année : il dure tant que "
        "l'appareil est utilisé.",
    },
    "physical_outro": {
        "it": "Il certificato non mandarlo qui: va al Comune o al CAF. Lumea applica lo sconto "
        "quando la domanda è accolta.",
        "en": "Please don't send the certificate here: it goes to the Comune or the CAF. Lumea "
        "applies the discount once the application is accepted.",
        "fr": "N'envoyez pas le certificat ici : il va à la mairie ou au CAF. Lumea applique la "
        "réduction une fois la demande acceptée.",
    },
    "isee_not_needed": {
        "it": "Non serve mandarci l'ISEE né i suoi valori: qui non te li chiederemo mai. Il bonus "
        "per disagio economico è automatico: basta presentare ogni anno la DSU all'INPS e, se "
        "l'ISEE è sotto soglia, lo sconto arriva in bolletta da solo.",
        "en": "There's no need to send us your ISEE or its figures: we will never ask for them "
        "here. The economic hardship bonus is automatic: just file the DSU with INPS every year "
        "and, if the ISEE is under the threshold, the discount reaches your bill by itself.",
        "fr": "Inutile de nous envoyer votre ISEE ou ses montants : nous ne les demanderons "
        "jamais ici. Le bonus pour précarité économique est automatique : il suffit de déposer "
        "chaque année la DSU auprès de l'INPS et, si l'ISEE est sous le seuil, la réduction "
        "arrive seule sur la facture.",
    },
    "isee_check_status": {
        "it": 'Per vedere se il bonus è già sulle tue forniture scrivi "il mio bonus".',
        "en": 'To see whether the bonus is already on your supplies, write "my bonus".',
        "fr": "Pour voir si le bonus est déjà sur vos contrats, écrivez « mon bonus ».",
    },
    "thresholds": {
        "it": "Soglie: {text}",
        "en": "Thresholds (from our documents, in Italian): {text}",
        "fr": "Seuils (d'après nos documents, en italien) : {text}",
    },
    "eligibility_intro_water": {
        "it": "Ecco chi ha diritto al bonus idrico (il bonus sociale sull'acqua) e come si "
        "ottiene:",
        "en": "Who is entitled to the water bonus (the social bonus on water) and how to get it "
        "(from our documents, in Italian):",
        "fr": "Qui a droit au bonus eau (le bonus social sur l'eau) et comment l'obtenir "
        "(d'après nos documents, en italien) :",
    },
    "eligibility_intro": {
        "it": "Ecco chi ha diritto al bonus sociale e come si ottiene:",
        "en": "Who is entitled to the social bonus and how to get it (from our documents, in "
        "Italian):",
        "fr": "Qui a droit au bonus social et comment l'obtenir (d'après nos documents, en "
        "italien) :",
    },
}
