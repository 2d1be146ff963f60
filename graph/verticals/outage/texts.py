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
    "emergency_number_112": {
        "it": "Se c'è un pericolo immediato per le persone o un incendio, chiama il 112 "
        "(Vigili del Fuoco: 115). Non usare WhatsApp per segnalare un'emergenza.",
        "en": "If people are in immediate danger or there is a fire, call 112 (Fire Brigade: "
        "115). Do not use WhatsApp to report an emergency.",
        "fr": "En cas de danger immédiat pour les personnes ou d'incendie, appelez le 112 "
        "(pompiers : 115). N'utilisez pas WhatsApp pour signaler une urgence.",
    },
    # Fault reports: triage, place, planned works, the ticket.
    "ask_commodity": {
        "it": "Che cosa manca: luce, gas o acqua?",
        "en": "What is out: electricity, gas or water?",
        "fr": "Qu'est-ce qui est coupé : l'électricité, le gaz ou l'eau ?",
    },
    "ask_supply": {
        "it": "Per quale fornitura?",
        "en": "Which supply is it?",
        "fr": "Pour quel contrat ?",
    },
    "ask_address": {
        "it": "Mi scrivi via, numero civico e Comune? Non serve il codice cliente.",
        "en": "Please send me the street, house number and town. No customer code needed.",
        "fr": "Pouvez-vous m'indiquer la rue, le numéro et la commune ? Pas besoin de code client.",
    },
    "ask_commune": {
        "it": "In quale Comune si trova {street}?",
        "en": "Which town is {street} in?",
        "fr": "Dans quelle commune se trouve {street} ?",
    },
    "ask_street": {
        "it": "Mi scrivi anche la via e il numero civico a {commune}?",
        "en": "Could you also send me the street and house number in {commune}?",
        "fr": "Pouvez-vous aussi m'indiquer la rue et le numéro à {commune} ?",
    },
    "ask_scope": {
        "it": "Manca solo a casa tua o anche ai vicini?",
        "en": "Is it only your home, or your neighbours too?",
        "fr": "Est-ce seulement chez vous, ou aussi chez les voisins ?",
    },
    "scope_home": {"it": "Solo casa mia", "en": "Only my home", "fr": "Seulement chez moi"},
    "scope_area": {"it": "Anche i vicini", "en": "Neighbours too", "fr": "Les voisins aussi"},
    "hint_electricity": {
        "it": "Se manca solo a te, controlla prima il contatore (si stacca se accendi troppi "
        "apparecchi insieme: spegnine qualcuno e riarmalo) e il salvavita di casa.",
        "en": "If it's only your home, first check the meter (it trips when too many "
        "appliances are on: switch some off and reset it) and your home's circuit breaker.",
        "fr": "Si c'est seulement chez vous, vérifiez d'abord le compteur (il disjoncte si trop "
        "d'appareils sont allumés : éteignez-en et réarmez-le) et le disjoncteur de la maison.",
    },
    "hint_water": {
        "it": "Se manca solo a te, controlla che il rubinetto generale vicino al contatore sia "
        "aperto.",
        "en": "If it's only your home, check that the main valve next to the meter is open.",
        "fr": "Si c'est seulement chez vous, vérifiez que le robinet général près du compteur "
        "est ouvert.",
    },
    "distributor": {
        "it": "I guasti li gestisce il distributore {distributor}, non Lumea: pronto intervento "
        "{phone}, gratuito 24 ore su 24.",
        "en": "Faults are handled by the distributor {distributor}, not Lumea: fault line "
        "{phone}, free, 24/7.",
        "fr": "Les pannes sont gérées par le distributeur {distributor}, pas par Lumea : "
        "dépannage {phone}, gratuit, 24h/24.",
    },
    "planned_active": {
        "it": "A {commune} c'è un'interruzione programmata di {commodity} in corso ({area}): "
        "{reason}. Il servizio torna entro le {time} del {day}. Non serve aprire una "
        "segnalazione.",
        "en": "There is a planned {commodity} interruption under way in {commune} ({area}). "
        "Supply is due back by {time} on {day}. No need to open a fault report.",
        "fr": "Une coupure programmée ({commodity}) est en cours à {commune} ({area}). Le "
        "service doit revenir avant {time} le {day}. Inutile d'ouvrir un signalement.",
    },
    "planned_elsewhere": {
        "it": "A {commune} c'è un'interruzione programmata in corso, ma in un'altra zona "
        "({area}): registro il tuo guasto a parte.",
        "en": "There is a planned interruption in {commune}, but in another area ({area}): "
        "I'll log your fault separately.",
        "fr": "Une coupure programmée est en cours à {commune}, mais dans un autre secteur "
        "({area}) : j'enregistre votre panne à part.",
    },
    "planned_list": {
        "it": "Interruzioni programmate a {commune}:",
        "en": "Planned interruptions in {commune}:",
        "fr": "Coupures programmées à {commune} :",
    },
    "planned_item": {
        "it": "• {commodity}, {day} dalle {start} alle {end}: {area}",
        "en": "• {commodity}, {day} from {start} to {end}: {area}",
        "fr": "• {commodity}, le {day} de {start} à {end} : {area}",
    },
    "planned_none": {
        "it": "Non risultano interruzioni programmate a {commune}.",
        "en": "There are no planned interruptions in {commune}.",
        "fr": "Aucune coupure programmée n'est prévue à {commune}.",
    },
    "suspended": {
        "it": "La fornitura in {address} risulta sospesa per bollette non pagate: non è un guasto "
        "della rete. Per riattivarla contatta Lumea al numero verde 800 123 456.",
        "en": "The supply at {address} is suspended for unpaid bills: it is not a network "
        "fault. To restore it, contact Lumea on 800 123 456.",
        "fr": "La fourniture au {address} est suspendue pour factures impayées : ce n'est pas "
        "une panne du réseau. Pour la rétablir, contactez Lumea au 800 123 456.",
    },
    "life_support": {
        "it": "Se usi apparecchiature salvavita, attiva il tuo piano di emergenza (es. batterie "
        "di riserva) e, se c'è pericolo per la salute, chiama il 112.",
        "en": "If you use life-support equipment, switch to your emergency plan (e.g. backup "
        "batteries) and call 112 if health is at risk.",
        "fr": "Si vous utilisez un appareil médical vital, activez votre plan d'urgence "
        "(batteries de secours) et appelez le 112 en cas de danger.",
    },
    "confirm": {
        "it": "Apro una segnalazione per il distributore {distributor}:\n• {problem}, {scope}\n• {address}"
        "{extras}\nConfermi?",
        "en": "I'll open a fault report for the distributor {distributor}:\n• {problem}, {scope}\n• {address}"
        "{extras}\nShall I go ahead?",
        "fr": "J'ouvre un signalement pour le distributeur {distributor} :\n• {problem}, {scope}\n• {address}"
        "{extras}\nJe confirme ?",
    },
    "attach_hint": {
        "it": "Se vuoi, prima mandami la posizione o una foto.",
        "en": "You can send your location or a photo first.",
        "fr": "Vous pouvez d'abord envoyer votre position ou une photo.",
    },
    "extras": {
        "it": "\n• allegati: {items}",
        "en": "\n• attached: {items}",
        "fr": "\n• pièces jointes : {items}",
    },
    "extra_location": {"it": "posizione", "en": "location", "fr": "position"},
    "extra_image": {"it": "foto", "en": "photo", "fr": "photo"},
    "problem_no_supply_electricity": {
        "it": "manca la luce",
        "en": "power cut",
        "fr": "coupure d'électricité",
    },
    "problem_no_supply_gas": {"it": "manca il gas", "en": "no gas", "fr": "plus de gaz"},
    "problem_no_supply_water": {"it": "manca l'acqua", "en": "no water", "fr": "plus d'eau"},
    "problem_low_pressure": {
        "it": "pressione dell'acqua bassa",
        "en": "low water pressure",
        "fr": "pression d'eau faible",
    },
    "problem_intermittent": {
        "it": "fornitura che va e viene ({commodity})",
        "en": "intermittent supply ({commodity})",
        "fr": "fourniture intermittente ({commodity})",
    },
    "scope_label_home": {"it": "solo a casa tua", "en": "your home only", "fr": "chez vous"},
    "scope_label_area": {
        "it": "anche ai vicini",
        "en": "neighbours too",
        "fr": "voisins aussi",
    },
    "scope_label_unknown": {
        "it": "estensione da verificare",
        "en": "reach unknown",
        "fr": "étendue inconnue",
    },
    "yes": {"it": "Sì, aprila", "en": "Yes, open it", "fr": "Oui, ouvrez-le"},
    "ticket_opened": {
        "it": "Fatto: segnalazione {ticket} aperta e inoltrata al distributore {distributor}. Per sapere a che "
        "punto è, scrivimi il numero.",
        "en": "Done: fault report {ticket} opened and passed to the distributor {distributor}. To follow it, "
        "send me its number.",
        "fr": "C'est fait : signalement {ticket} ouvert et transmis au distributeur {distributor}. Pour le "
        "suivre, envoyez-moi son numéro.",
    },
    "ticket_declined": {
        "it": "Va bene, non apro nessuna segnalazione.",
        "en": "All right, I won't open a fault report.",
        "fr": "D'accord, je n'ouvre pas de signalement.",
    },
    "already_open": {
        "it": "Hai già una segnalazione aperta per questa fornitura: {ticket} ({status}). Non ne "
        "apro un'altra.",
        "en": "You already have an open report for this supply: {ticket} ({status}). I won't "
        "open another one.",
        "fr": "Vous avez déjà un signalement ouvert pour ce contrat : {ticket} ({status}). Je "
        "n'en ouvre pas d'autre.",
    },
    # Following a ticket.
    "status": {
        "it": "Segnalazione {ticket} ({kind}, aperta il {opened}): {status}.",
        "en": "Report {ticket} ({kind}, opened on {opened}): {status}.",
        "fr": "Signalement {ticket} ({kind}, ouvert le {opened}) : {status}.",
    },
    "last_update": {
        "it": "Ultimo aggiornamento ({at}): «{note}»",
        "en": 'Latest update ({at}): "{note}"',
        "fr": "Dernière mise à jour ({at}) : « {note} »",
    },
    "eta_unknown": {
        "it": "Non ho ancora un orario per il tecnico: per saperlo chiama il pronto intervento "
        "{distributor} al {phone}.",
        "en": "I don't have a time for the technician yet: for that, call the {distributor} "
        "fault line on {phone}.",
        "fr": "Je n'ai pas encore d'horaire pour le technicien : pour le savoir, appelez le "
        "dépannage {distributor} au {phone}.",
    },
    "resolved_hint": {
        "it": "Se il problema continua, scrivimi o chiama il pronto intervento {phone}.",
        "en": "If the problem continues, write to me or call the fault line on {phone}.",
        "fr": "Si le problème persiste, écrivez-moi ou appelez le dépannage au {phone}.",
    },
    "not_filed_yet": {
        "it": "Non ci sono ancora novità da darti: la segnalazione non è ancora aperta, mi "
        "manca un'informazione.",
        "en": "There is no news yet: the report is not filed yet, I need one more detail.",
        "fr": "Pas encore de nouvelles : le signalement n'est pas encore ouvert, il me manque "
        "une information.",
    },
    "no_open_ticket": {
        "it": "Non trovo segnalazioni aperte a tuo nome. Se c'è un guasto, dimmi cosa manca e "
        "dove.",
        "en": "I can't find any open report in your name. If there is a fault, tell me what is "
        "out and where.",
        "fr": "Je ne trouve aucun signalement ouvert à votre nom. En cas de panne, dites-moi ce "
        "qui est coupé et où.",
    },
    "ticket_not_yours": {
        "it": "Non trovo la segnalazione {ticket} tra quelle a tuo nome: posso darti notizie solo "
        "sulle tue segnalazioni. Controlla il numero.",
        "en": "I can't find report {ticket} among those in your name: I can only give news of "
        "your own reports. Please check the number.",
        "fr": "Je ne trouve pas le signalement {ticket} parmi ceux à votre nom : je ne peux "
        "donner des nouvelles que de vos signalements. Vérifiez le numéro.",
    },
    "status_open": {
        "it": "registrata, in attesa di presa in carico",
        "en": "logged, waiting to be taken on",
        "fr": "enregistré, en attente de prise en charge",
    },
    "status_accepted": {
        "it": "presa in carico dal distributore",
        "en": "taken on by the distributor",
        "fr": "pris en charge par le distributeur",
    },
    "status_technician_on_site": {
        "it": "il tecnico è sul posto",
        "en": "the technician is on site",
        "fr": "le technicien est sur place",
    },
    "status_resolved": {"it": "risolta", "en": "resolved", "fr": "résolu"},
    "status_closed": {"it": "chiusa", "en": "closed", "fr": "clôturé"},
    "kind_outage": {
        "it": "guasto {commodity}",
        "en": "{commodity} fault",
        "fr": "panne {commodity}",
    },
    "kind_emergency": {
        "it": "emergenza {commodity}",
        "en": "{commodity} emergency",
        "fr": "urgence {commodity}",
    },
    "kind_other": {"it": "richiesta", "en": "request", "fr": "demande"},
    # Proactive updates (sent by push_ticket_update through the notifier).
    "update_accepted": {
        "it": "Lumea: la tua segnalazione {ticket} ({kind}) è stata presa in carico dal "
        "distributore {distributor}.",
        "en": "Lumea: your report {ticket} ({kind}) has been taken on by the distributor "
        "{distributor}.",
        "fr": "Lumea : votre signalement {ticket} ({kind}) a été pris en charge par le "
        "distributeur {distributor}.",
    },
    "update_technician_on_site": {
        "it": "Lumea: per la tua segnalazione {ticket} ({kind}) il tecnico è sul posto.",
        "en": "Lumea: for your report {ticket} ({kind}) the technician is on site.",
        "fr": "Lumea : pour votre signalement {ticket} ({kind}), le technicien est sur place.",
    },
    "update_resolved": {
        "it": "Lumea: la tua segnalazione {ticket} ({kind}) risulta risolta. Se il problema "
        "continua, chiama il pronto intervento {phone}.",
        "en": "Lumea: your report {ticket} ({kind}) is resolved. If the problem continues, call "
        "the fault line on {phone}.",
        "fr": "Lumea : votre signalement {ticket} ({kind}) est résolu. Si le problème persiste, "
        "appelez le dépannage au {phone}.",
    },
}

# The distributors' emergency services (fixed data of the demo utility, also in the corpus).
DISTRIBUTORS = {
    "gas": ("Gasdotti Valdarno", "800 900 222"),
    "electricity": ("Lumea Reti Elettriche", "800 900 111"),
    "water": ("Acque Valdarno Sud", "800 900 333"),
}
