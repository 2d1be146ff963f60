"""Self-reading texts."""

from __future__ import annotations

from graph.prompts import Templates

TEMPLATES: Templates = {
    "choose_supply": {
        "it": "Per quale contatore vuoi comunicare la lettura?",
        "en": "Which meter is the reading for?",
        "fr": "Pour quel compteur est le relevé ?",
    },
    "choose_supply_kept": {
        "it": "Ho preso nota della lettura. Per quale contatore è?",
        "en": "I've noted the reading. Which meter is it for?",
        "fr": "J'ai noté le relevé. Pour quel compteur est-il ?",
    },
    "ask_reading": {
        "it": "Scrivimi la lettura del contatore {commodity} ({meter}): solo le cifre prima della "
        "virgola{bands}.",
        "en": "Send me the {commodity} meter reading ({meter}): only the digits before the "
        "decimal point{bands}.",
        "fr": "Envoyez-moi le relevé du compteur {commodity} ({meter}) : uniquement les chiffres "
        "avant la virgule{bands}.",
    },
    "bands": {
        "it": ", per fasce: F1, F2 e F3 (es. F1 1234 F2 567 F3 890)",
        "en": ", by band: F1, F2 and F3 (e.g. F1 1234 F2 567 F3 890)",
        "fr": ", par tranche : F1, F2 et F3 (ex. F1 1234 F2 567 F3 890)",
    },
    "recorded": {
        "it": "Lettura registrata: {values} al {date}. {window}",
        "en": "Reading recorded: {values} on {date}. {window}",
        "fr": "Relevé enregistré : {values} au {date}. {window}",
    },
    "window_in": {
        "it": "È nella finestra utile, quindi la useremo per la prossima bolletta.",
        "en": "It is within the reading window, so we'll use it for your next bill.",
        "fr": "Il est dans la période de relevé : nous l'utiliserons pour votre prochaine facture.",
    },
    "window_out": {
        "it": "La finestra utile per la prossima bolletta va dal {start} al {end}: la lettura "
        "resta registrata e ci aiuta a stimare meglio i consumi.",
        "en": "The reading window for your next bill runs from {start} to {end}: the reading "
        "is kept and helps us estimate better.",
        "fr": "La période de relevé pour la prochaine facture va du {start} au {end} : le "
        "relevé est conservé et améliore nos estimations.",
    },
    "confirm": {
        "it": "La lettura {values} indica un consumo molto più alto del solito ({daily} al giorno "
        "contro circa {typical}). È corretta? Rispondi SÌ per confermarla o scrivi quella giusta.",
        "en": "The reading {values} means much higher consumption than usual ({daily} a day "
        "against about {typical}). Is it right? Reply YES to confirm or send the right one.",
        "fr": "Le relevé {values} indique une consommation bien plus élevée que d'habitude "
        "({daily} par jour contre environ {typical}). Est-il correct ? Répondez OUI ou "
        "envoyez le bon.",
    },
    "rejected_lower_than_previous": {
        "it": "La lettura {values} è più bassa dell'ultima registrata ({previous} del {date}). "
        "Controlla il contatore e riscrivimela.",
        "en": "The reading {values} is lower than the last one recorded ({previous} on {date}). "
        "Please check the meter and send it again.",
        "fr": "Le relevé {values} est inférieur au dernier enregistré ({previous} du {date}). "
        "Vérifiez le compteur et renvoyez-le.",
    },
    "rejected_confirmed": {
        "it": "Capisco. Una lettura così non posso registrarla da qui: può succedere se il "
        "contatore è stato sostituito o se l'ultima lettura era sbagliata, e va verificata da "
        "una persona. Scrivi OPERATORE e un collega la controlla con te; intanto non ho "
        "registrato nulla.",
        "en": "I understand. I can't record a reading like this one here: it happens when the "
        "meter was replaced or the last reading was wrong, and a person has to check it. "
        "Write OPERATOR and a colleague will go through it with you; nothing was recorded.",
        "fr": "Je comprends. Je ne peux pas enregistrer un tel relevé ici : cela arrive quand "
        "le compteur a été remplacé ou que le dernier relevé était faux, et une personne doit "
        "le vérifier. Écrivez OPÉRATEUR et un collègue le vérifiera avec vous ; rien n'a été "
        "enregistré.",
    },
    "rejected_abnormal_jump": {
        "it": "La lettura {values} non è plausibile rispetto ai consumi di questa fornitura. "
        "Controlla il contatore e riscrivimela; se è corretta scrivi OPERATORE.",
        "en": "The reading {values} isn't plausible for this supply's consumption. Check the "
        "meter and send it again; if it is right, write OPERATOR.",
        "fr": "Le relevé {values} n'est pas plausible pour ce contrat. Vérifiez le compteur et "
        "renvoyez-le ; s'il est correct, écrivez OPÉRATEUR.",
    },
    "rejected_format": {
        "it": "Non riesco a leggere un valore valido: scrivi solo le cifre del contatore (al "
        "massimo 6, senza decimali){bands}.",
        "en": "I can't read a valid value: send only the meter's digits (up to 6, no "
        "decimals){bands}.",
        "fr": "Je ne lis pas de valeur valide : envoyez uniquement les chiffres du compteur "
        "(6 au maximum, sans décimales){bands}.",
    },
    "rejected_missing_bands": {
        "it": "Il tuo contatore è a fasce: mi servono F1, F2 e F3 (es. F1 1234 F2 567 F3 890).",
        "en": "Your meter has time bands: I need F1, F2 and F3 (e.g. F1 1234 F2 567 F3 890).",
        "fr": "Votre compteur a des tranches : il me faut F1, F2 et F3 (ex. F1 1234 F2 567 F3 890).",
    },
}
