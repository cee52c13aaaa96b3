"""The language knowledge of the project: German (and English) word lists and word patterns.

Everything else is learned from the documents themselves; what is written down here is what
no single document can teach: function words, abbreviations, the words that label a photo
credit or a figure, the words that make a question a follow-up. Keeping the lists in one
place shows what the rules assume about the language and where to add a word. This module
imports nothing from the project, so every package may use it.
"""

from __future__ import annotations

import re

# --- sentences (ingest.sentences) ----------------------------------------------------------

# A dot after these does not end a sentence ("z. B.", "Mio.", "Dr.", "vgl.", month names).
ABBREVIATIONS = frozenset({
    "abb", "abs", "allg", "bspw", "bzgl", "bzw", "ca", "chr", "co", "dr", "dt", "ebd", "etc",
    "evtl", "ff", "gem", "ggf", "ggü", "gmbh", "hr", "hrsg", "inkl", "insb", "jh", "jhd", "kap",
    "max", "min", "mind", "mio", "mrd", "nr", "prof", "rd", "s", "sog", "st", "std", "str",
    "tab", "tel", "tsd", "usw", "vgl", "vs", "zzgl", "zit", "mill", "mr", "mrs", "no", "e.g",
    "i.e", "approx", "fig", "hg", "anm", "aufl", "bd", "d.h",
    "u.a", "z.b", "o.ä", "u.ä", "i.d.r", "v.a", "ggfs", "jan", "feb", "apr", "aug", "sept",
    "sep", "okt", "nov", "dez", "mo", "di", "mi", "do", "fr", "sa", "so",
})
# Words that open a new sentence after an ordinal-looking number ("... Staffel 3. Die ...").
SENTENCE_STARTERS = frozenset({
    "der", "die", "das", "den", "dem", "des", "ein", "eine", "es", "er", "sie", "wir", "ich",
    "im", "in", "mit", "zudem", "dabei", "damit", "so", "auch", "dies", "diese", "dieser",
    "insgesamt", "außerdem", "darüber", "hier", "dort", "the", "this", "it",
})

# --- cleaning page texts (ingest.noise, ingest.blocks, ingest.footnotes, ingest.joining) ---

# A page number line printed as a footer ("Seite 3", "S. 3 von 40", "Page 3 of 40").
PAGE_FOOTER = re.compile(r"^(?:seite|page|s\.)\s*\d{1,4}(?:\s*(?:von|of|/)\s*\d{1,4})?$", re.I)
# A line that credits a photo or names a source ("Foto: ...", "Quelle: ...", "© ...").
CREDIT_LINE = re.compile(
    r"^(?:quelle|quellen|foto|fotos|bild|bildquelle|bildnachweis|grafik|illustration)\s*:|^©",
    re.I,
)
# A credit appended to a photo caption ("Marktplatz | Foto: Stadt X").
INLINE_CREDIT = re.compile(r"\s*\|\s*(?:quelle|foto|bild|bildquelle)\s*:.*$", re.I)
# A numbered figure or table caption ("Abbildung 3:", "Tab. 2.", "Figure 1:").
FIGURE_CAPTION = re.compile(r"^(?:abbildung|abb\.|tabelle|tab\.|grafik|karte|figure|table)\s*"
                            r"[0-9IVXLC]+[a-z]?\s*[:.]", re.I)
# After a line-break hyphen these keep the space: "Informations-" + "durch Bildungsangebote"
# elides the compound's second part, it is not one broken word.
PREPOSITIONS = frozenset({
    "durch", "mit", "für", "zu", "auf", "in", "an", "statt", "anstatt", "über", "von", "vor",
    "nach", "bei", "aus", "gegen", "ohne", "um", "zur", "zum",
})
# After a line-break hyphen these mark an elided part too: "Bau-" + "und Verkehrsplanung".
CONJUNCTIONS = frozenset({
    "und", "oder", "bzw", "bzw.", "sowie", "bis", "als", "noch", "wie", "&", "u.", "or", "and",
})
# A line ending in one of these (article, preposition, conjunction) cannot end a sentence.
DANGLING_WORDS = frozenset({
    "der", "die", "das", "den", "dem", "des", "und", "oder", "für", "mit", "von", "zu", "im",
    "in", "auf", "an", "bei", "ein", "eine", "einer", "einem", "eines", "zum", "zur", "sowie",
    "als", "wie", "aus", "nach", "über", "unter", "durch", "vom", "beim", "um", "zwischen",
    "dass", "daß", "ob", "weil", "wenn", "sodass", "obwohl", "wobei", "sowohl", "sondern",
    "the", "of", "and", "to", "a", "for", "with",
})

# --- the document outline (ingest.headings, ingest.sections) ------------------------------

# A number before one of these is a date ("25. April 2023"), not a section number.
MONTHS = frozenset({
    "januar", "jänner", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
    "oktober", "november", "dezember", "january", "february", "march", "may", "june", "july",
    "october", "december",
})
# Headings of the front and back matter: always chapters, whatever numbering came before.
MATTER_HEADINGS = frozenset({
    "anhang", "anhänge", "anlagen", "literatur", "literaturverzeichnis", "quellen",
    "quellenverzeichnis", "impressum", "glossar", "abkürzungsverzeichnis", "abkürzungen",
    "abbildungsverzeichnis", "tabellenverzeichnis", "inhalt", "inhaltsverzeichnis", "vorwort",
    "appendix", "references", "bibliography",
})

# --- keyword search (vectorstore.german) ---------------------------------------------------

# Words too common to say what a text is about; never index terms.
GERMAN_STOPWORDS = frozenset("""
aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes
auch auf aus bei beim bin bis bist da damit dann das dass dasselbe dazu daß dein deine dem den
denn der des dessen deshalb die dies diese diesem diesen dieser dieses doch dort du durch ein
eine einem einen einer eines einige einigen einiger einiges einmal er es etwas euch euer eure
für gegen gewesen hab habe haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre
ihrem ihren ihrer ihres im in indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener
jenes jetzt kann kein keine keinem keinen keiner keines können könnte machen man manche manchem
manchen mancher manches mein meine mich mir mit muss musste nach nicht nichts noch nun nur ob
oder ohne sehr sein seine seinem seinen seiner seines selbst sich sie sind so solche solchem
solchen solcher solches soll sollte sondern sonst um und uns unser unsere unter viel vom von vor
war waren warst was weg weil weiter welche welchem welchen welcher welches wenn werde werden wie
wieder will wir wird wirst wo wollen wollte würde würden zu zum zur zwar zwischen bzw sowie
wurde wurden worden z b u a d h ca gibt geben steht stehen dabei dafür davon daran darauf
the a an and or of to in on for with is are was were be by at as it this that what which who
how when where do does did can could should would will there their they from about into
""".split())

# Question words carry no topic; they are dropped from queries only.
QUESTION_WORDS = frozenset("""
wer wen wem wessen was wann wo wohin woher warum wieso weshalb wie welche welcher welches welchen
welchem viele viel wieviel wieviele gibt es bitte nenne nennen erkläre erklären sag sage sagen
beschreibe kurz genau eigentlich denn mal überhaupt normalerweise üblicherweise typischerweise
insgesamt ungefähr etwa realistisch konkret nochmal bisher schon eigentlich
wofür wozu womit wodurch worauf worüber woran wovon
what when where which who whom whose why how many much please tell explain list describe
""".split())

# Number words and ordinals up to twelve, indexed as their digits too ("drei" -> "3").
NUMBER_WORDS: dict[str, str] = {
    word: str(value)
    for value, forms in enumerate([
        (), ("eins", "erste", "ersten", "erster", "erstes"),
        ("zwei", "zweite", "zweiten", "zweiter"), ("drei", "dritte", "dritten", "dritter"),
        ("vier", "vierte", "vierten"), ("fünf", "fünfte", "fünften"),
        ("sechs", "sechste", "sechsten"), ("sieben", "siebte", "siebten"),
        ("acht", "achte", "achten"), ("neun", "neunte", "neunten"),
        ("zehn", "zehnte", "zehnten"), ("elf", "elfte", "elften"),
        ("zwölf", "zwölfte", "zwölften"),
    ])
    for word in forms
}

# --- follow-up questions (assistant.query) -------------------------------------------------

# A question opening like this continues the previous one ("Und wie viele ...?").
FOLLOWUP_OPENER = re.compile(
    r"^\s*(und|aber|auch|außerdem|zusätzlich|sonst|was ist mit|wie ist es mit|wie steht es|"
    r"and|but|also|what about|how about)\b",
    re.I,
)
# Words that point back to something named earlier ("dort", "dafür", "diese", "it").
REFERENCE_WORDS = frozenset("""
dort da dabei dafür davon dazu darin darüber daran damit hierfür hierzu hier dies diese dieser
dieses diesem diesen deren dessen ihr ihre ihren ihrem ihrer sein seine seinen seinem es sie er
ihn ihm jene jener ebenfalls dasselbe derselbe dieselbe dahinter daraus darunter darauf dagegen dortige dortigen
there it its they them their this that these those same
""".split())

# --- question language (assistant.language) -----------------------------------------------

# Function words that are frequent in one language and rare in the other.
ENGLISH_MARKER_WORDS = frozenset("""
the a an and or of to in on for with is are was were be been by at as it this that what which
who whom whose how when where why do does did can could should would will there their they
from about into many much please tell me give list explain
""".split())
GERMAN_MARKER_WORDS = frozenset("""
der die das und oder ist sind war wurde wurden ein eine einen dem den des im in zu zum zur mit
für von auf wie wer was wann wo warum welche welcher welches gibt es ich wir sie nicht auch
dort dabei viele viel bitte kann können soll will wollen hat haben hatte wird werden bei nach über
welchen welchem seinem seiner seine ihre ihren unser unsere unseren unserem man sich noch schon nur
""".split())

# A sentence gives a value of the kind a question wants (assistant.question's `wants`).
VALUE_COUNT = re.compile(r"\d|\b(?:zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|"
                     r"hundert|tausend|dutzend|hälfte|drittel|viertel|einmal|zweimal|dreimal|monatlich|"
                     r"wöchentlich|jährlich|täglich)\b", re.I)
VALUE_AMOUNT = re.compile(r"\d[\d.,]*\s*(?:€|euro|eur\b|mio\.?|millionen|mrd\.?|milliarden|tsd\.?|tausend)|€\s*\d|"
                     r"\b(?:kosten|kostet|gekostet|budget|finanziert|förder\w*|mittel|euro)\b.*\d", re.I)
VALUE_DATE = re.compile(r"\b(?:19[5-9]\d|20\d\d)\b|\b\d{1,2}\.\s*(?:januar|februar|märz|april|mai|juni|juli|august|"
                   r"september|oktober|november|dezember)\b|\b(?:januar|februar|märz|april|mai|juni|juli|august|"
                   r"september|oktober|november|dezember)\b", re.I)
VALUE_DURATION = re.compile(r"\d[\d.,]*\s*(?:jahre?n?|monate?n?|wochen?|tage?n?|stunden?|minuten?)\b|"
                       r"\b(?:ein|zwei|drei|vier|fünf|sechs|zehn|mehrere)\w*\s+(?:jahre?|monate?|wochen|tage|"
                       r"stunden)\b", re.I)
VALUE_PERSON = re.compile(r"\b(?:Herr|Frau|Dr\.|Prof\.)\s+[A-ZÄÖÜ]|[A-ZÄÖÜ][a-zäöüß]+\s+[A-ZÄÖÜ][a-zäöüß]+(?:,|\s+\()|"
                     r"\b(?:Bürgermeister|Oberbürgermeister|Minister|Staatssekretär|Leiter|Geschäftsführer|"
                     r"Vorsitzende|Projektleiter)\w*\s+[A-ZÄÖÜ][a-zäöüß]+")
VALUE_PATTERNS = {"count": VALUE_COUNT, "amount": VALUE_AMOUNT, "date": VALUE_DATE, "duration": VALUE_DURATION,
                  "person": VALUE_PERSON}

# Advice words: a how-to question wants the sentences that recommend ("sollten", "empfiehlt
# sich", "Handlungsempfehlung:", "Für Verantwortliche bedeutet ...", "gilt es", "hilfreich").
ADVICE = re.compile(r"\b(?:sollten?|empfiehlt|empfehlen|empfehlenswert|empfohlen|handlungsempfehlung\w*|"
                    r"für\s+verantwortliche|gilt\s+es|ist\s+es\s+(?:wichtig|sinnvoll|hilfreich|ratsam)|hilfreich|"
                    r"ratsam|zielführend|lohnt\s+es\s+sich|bewährt|erfolgsfaktor\w*|tipp\w*|muss|müssen)\b", re.I)

# Abbreviations users type for names the documents write out (the German states, mostly):
# a question with "BaWü" also searches for "Baden-Württemberg".
QUERY_LONG_FORMS = tuple((re.compile(rf"(?<![\w-]){short}(?![\w-])"), long_form) for short, long_form in (
    ("(?i:bawü)|BW", "Baden-Württemberg"), ("NRW", "Nordrhein-Westfalen"),
    ("MV|M-V|MeckPomm", "Mecklenburg-Vorpommern"), ("RLP", "Rheinland-Pfalz"),
    ("SH", "Schleswig-Holstein"), ("LSA", "Sachsen-Anhalt"),
    ("KTS", "Koordinierungs- und Transferstelle"), ("OB", "Oberbürgermeister"),
))

# --- sentence scoring (assistant.answer.evidence) ------------------------------------------

# A question asking for a number, amount or date: sentences with digits answer it better.
NUMBER_QUESTION = re.compile(
    r"\b(wie ?viele?|wieviele?|anzahl|wann|seit wann|bis wann|welche[ms]? jahr|jahr|höhe|betrag|"
    r"budget|summe|kosten|kostet|euro|mio|millionen|prozent|datum|termin|dauer|wie lange|zahl|"
    r"how many|how much|when|what year|which year|date|amount|number|budget|cost|percent)\b",
    re.I,
)
# A sentence opening like this goes on about the previous one and inherits its relevance.
CONTINUATION_OPENER = re.compile(
    r"^(?:das|dies|diese[rsmn]?|dabei|damit|dadurch|davon|dafür|daher|darüber|somit|hierbei|"
    r"hierfür|hierzu|hierunter|darunter|insbesondere (?:dies|das)|zudem|außerdem|ebenso|andererseits|"
    r"zum anderen|ferner|"
    r"weiterhin|hinzu kommt|hinzu kommen|zusätzlich|ebenfalls|darüber hinaus|dazu gehören|dazu zählen|"
    r"weitere[rsmn]?|sie|er|this|these|that|it|they|also|moreover|in addition)\b", re.I)

# --- what a question asks for (assistant.question) -----------------------------------------

# "Wie verstetige ich ...?", "Tipps für ...", "Worauf sollten wir achten?": a procedure or
# recommendations. The first pattern needs a person ("ich", "wir", "man") or a modal verb
# after "wie", so "Wie viele ...?" and "Wie heißt ...?" are not how-to questions.
HOWTO_QUESTION = re.compile(
    r"\bwie\s+(?:\S+\s+){0,3}?(?:ich|wir|man)\b"
    r"|\bwie\s+(?:lief|läuft|laufen|liefen|funktioniert|funktionierte|geht|ging)\b.*\bab\b"
    r"|\bwie\s+(?:kann|können|könnte|könnten|soll|sollte|sollten|muss|müssen|lässt\s+sich|lassen\s+sich|"
    r"gelingt|gelingen|geht\s+man|funktioniert)\b"
    r"|\b(?:tipps?|empfehlung\w*|empfiehlt|empfehlen|ratschl\w*|hinweise|worauf\b|beachten|"
    r"was\s+(?:muss|müssen|sollte|sollten|kann|können)\s+(?:ich|wir|man)|was\s+tun|vorgehen|vorgehensweise|"
    r"schritt\s+für\s+schritt|erfolgsfaktor\w*|lessons\s+learned)"
    r"|\bhow\s+(?:can|do|does|should|to|could|would)\b|\bwhat\s+should\b|\btips?\b|\brecommend\w*|"
    r"\bbest\s+practice",
    re.I,
)
# "Welche drei ...", "Nennen Sie ...", "Welche Gründe ...": the answer is a list.
LIST_QUESTION = re.compile(
    r"^\s*(?:nenne|nennen\s+sie|nenn|liste|zähle|zählen\s+sie|list|name)\b"
    r"|^\s*was\s+(?:will|wollen|plant|planen)\b(?!.*\b(?:wissen|erreichen)\b)"  # a plan is a list of intentions
    r"|\b(?:welche|welchen|which|what)\s+(?:\w+\s+)?(?:gründ|kriteri|faktor|erfolgsfaktor|maßnahm|handlungsfeld|"
    r"bereich|ziel|zielgrupp|zielbereich|partner|format|herausforderung|schritt|typ|arten\b|baustein|beispiel|"
    r"praxisbeispiel|them|schwerpunkt|programm|workshop|phase|element|method|angebot|aufgab|projekt|städt|"
    r"kommunen|orte\b|orten\b|akteur|instrument|wirkung|effekt|empfehlung|tipp|lehren|erkenntnis|ergebnis|"
    r"datenquell|quellen|kategori|aspekt|voraussetzung|reasons|criteria|factors|measures|goals|steps|types|"
    r"examples|partners|challenges|recommendations|lessons|places|projects)",
    re.I,
)
# A number the question names for its list ("Welche drei ...", "the five types").
LIST_COUNT = re.compile(r"\b(?:welche|die|nennen\s+sie|which|the|list|name)\s+(\d{1,2}|zwei|drei|vier|fünf|sechs|"
                        r"sieben|acht|neun|zehn|two|three|four|five|six|seven|eight|nine|ten)\b", re.I)
COUNT_WORDS = {"zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
               "zehn": 10, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
               "nine": 9, "ten": 10}
# Kinds of value a question may ask for; each a pattern over the question.
ASKS_COUNT = re.compile(r"\b(?:wie\s*viel(?:e|en)?|wieviele?|anzahl|wie\s+oft|how\s+many|how\s+often)\b", re.I)
ASKS_AMOUNT = re.compile(
    r"\b(?:wie\s*viel\s+(?:geld|euro|fördergeld|förderung|mittel|budget)|wie\s+hoch|wie\s+teuer|kosten|kostet|"
    r"gekostet|budget|jahresbudget|betrag|summe|preis|preise|gebühr\w*|miete|fördersumme|fördergeld\w*|"
    r"zuschuss|how\s+much|cost|costs|price|budget|funding)\b", re.I)
ASKS_DATE = re.compile(
    r"\b(?:wann|seit\s+wann|bis\s+wann|ab\s+wann|in\s+welchem\s+jahr|welches\s+datum|datum|termin|"
    r"when|since\s+when|what\s+year|which\s+year|what\s+date)\b", re.I)
ASKS_DURATION = re.compile(r"\b(?:wie\s+lange|dauer|dauert|how\s+long)\b", re.I)
ASKS_PERSON = re.compile(
    r"\b(?:wer\s+(?:ist|war|leitet|leitete|koordiniert|hat\s+\w+\s+eröffnet|eröffnete|moderierte|sprach)|"
    r"ansprechpartner\w*|ansprechperson|kontaktperson|leiter(?:in)?|bürgermeister(?:in)?|"
    r"oberbürgermeister(?:in)?|minister(?:in)?|geschäftsführer(?:in)?|vorsitzende\w*|who\s+(?:is|was|leads|heads))\b",
    re.I)
ASKS_PLACE = re.compile(r"\b(?:wo\b|wohin|in\s+welcher\s+stadt|an\s+welchem\s+ort|where)\b", re.I)
ASKS_DEFINITION = re.compile(
    r"^\s*(?:was\s+(?:ist|sind|bedeutet|heißt|meint|versteht\s+man\s+unter)|wofür\s+steht|"
    r"what\s+(?:is|are|does)\s|what\s+is\s+meant)", re.I)
ASKS_REASON = re.compile(r"\b(?:warum|weshalb|wieso|aus\s+welchem\s+grund|why)\b", re.I)
ASKS_YES_NO = re.compile(
    r"^\s*(?:gibt|gab|ist|sind|war|waren|hat|haben|hatte|hatten|kann|können|darf|dürfen|soll|sollte|"
    r"lohnt|zählt|zählen|brauchen|braucht|wird|werden|wurde|wurden|muss|müssen|does|do|is|are|were|"
    r"can|has|have|did|should)\b", re.I)
# Where a compound question's second question starts: "..., und wann ...", "...? Und wie ...".
SECOND_QUESTION = re.compile(
    r"(?:,\s*|\s+)(?:und|sowie|and)\s+(?=(?:wie|was|wann|wer|wen|wem|wo|wohin|woher|welche\w*|warum|weshalb|"
    r"wieso|wieviele?|ob|seit\s+wann|bis\s+wann|in\s+welche\w*|mit\s+wem|mit\s+welche\w*|mit\s+wie|"
    r"aus\s+welche\w*|um\s+wie|gibt\s+es|ist\s+das|how|what|when|where|who|which|why|whether)\b)",
    re.I)
# What a question asks about, right after its question word: "Mit welchen Partnern ...",
# "Wie viele Fachgruppen ...", "Which types ...". The word that follows names the class of
# thing the answer lists or counts.
FOCUS_AFTER = re.compile(
    r"\b(?:welche[nmrs]?|wie\s*viele?n?|wieviele?|wie\s+hoch\s+ist\s+(?:der|die|das)|which|what|how\s+many)\s+"
    r"(?:(?:der|die|das|den|dem|des|ein|eine|einen|einem|einer|genau|konkret|denn|eigentlich|"
    r"\d{1,2}|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|two|three|four|five|six|seven|eight|nine|ten|"
    r"of|the|main|wichtigsten?|zentralen?|großen?)\s+){0,3}"
    r"(?P<focus>[A-Za-zÄÖÜäöüß][\w-]{2,})", re.I)
# Verbs of a how-to question that carry no action of their own.
AUXILIARY_VERBS = frozenset("""
kann können könnte könnten soll sollte sollten muss müssen will wollen möchte möchten darf dürfen
werde werden wird wurde wurden bin ist sind war waren habe haben hat hatte hatten gibt geben
mache machen macht tun tue kriege kriegen bekomme bekommen lässt lassen gelingt gehe gehen geht
achten beachten worauf wie was ich wir man uns unser unsere unseren unserem einen eine ein am
besten gut richtig eigentlich überhaupt genau bitte noch schon auch dabei dafür dazu denn mal
""".split())
