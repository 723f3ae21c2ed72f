"""Red-flag symptoms that must reach the emergency message whatever the classifier thinks.

The classifier has an `emergency` intent too, but a panicked, misspelled message is exactly where
its confidence is least reliable, so these patterns run on the raw text and win over it.
They err on the side of firing: a general question that names a red-flag symptom gets the
emergency message (which is worded "if you are having ...") followed by the staff offer.

Signs that need a clinician the same day rather than 911 (fever, pus, blisters, spreading redness,
severe pain, fainting) are words that also appear in ordinary questions ("can Botox cause a fever?",
"pus-filled bumps", "tylenol for a fever"), so they count only when the visitor reports them after
a treatment, not when they ask about them in general. Fainting that is happening now ("I'm about
to faint", "me voy a desmayar", "me desmayé", "muy mareada") is the exception and always counts;
someone else's fainting in the past ("mi abuela se desmayó") counts only after a treatment.
So does redness spreading now and getting worse ("se está regando y se pone peor"), a sign of
infection whatever caused it, unless the message says it spread over months or years.

Spanish symptoms are matched in the forms that report them (hinchado, se hinchó, se está
hinchando), not the infinitive of a prediction ("¿el botox me va a hinchar la cara?"). A symptom
whose subject is a pet ("mi perro no puede respirar") is not the visitor's and does not count.
A drooping eyelid ("se me cae el párpado") counts only with another sign: alone it is a known,
non-urgent side effect of Botox and a question for staff.

Some signs have an ordinary cause that the message itself gives away, and then do not count:
swelling outside the airway asked about in general ("how long does swelling last after filler?",
"¿es normal la hinchazón?") or named as what a treatment is for ("anything for puffy eyes?"),
since swelling is what fillers are expected to do; numbness with the numbing cream or the
dentist's anaesthetic in the message; being out of breath from running or laughing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Words that turn a body function into a complaint: "can't breathe", "hard to swallow".
_TROUBLE = (
    r"(?:can ?not|can'?t|cant|cnt|cnat|unable|not able|hard(?:ly)?|barely|trouble|troubles|"
    r"difficult(?:y|ies)?|dificult\w*|struggl\w*|problems?|issues?|having a hard time|"
    r"hurts? to|painful to|short(?:ness)? of|labou?red|gasping|difficulty)"
)
_BREATHE = r"(?:br[ea]{1,2}th\w*|breth\w*|brea?the?\w*|brathe?\w*|bereath\w*)"
_SWALLOW = r"(?:swal+o\w*|swol+ow\w*|swalow\w*|swalo\w*|swallo\w*)"
# Not a wish: "fuller but not blown up", "lips that aren't puffy".
_SWELL = (
    r"(?<!\bnot )(?<!n't )"
    r"(?:swell\w*|swel\w*|swoll?en\w*|swolen|swolle\w*|puff\w*|balloon\w*|blown up|blew up)"
)
_THROAT = r"(?:throat|throught|throt|thraot|troat|throut)"
_TONGUE = r"(?:tongue|tounge|toung|tonge)"
_SWELL_PLACE = (
    rf"(?:{_THROAT}|{_TONGUE}|lips?|mouth|face|facial|eyes?|eyelids?|cheeks?|neck|airway)"
)
_WHOSE = r"(?:my|her|his|their|the)"
_EYELID = r"(?:eye ?lids?|eyelids?|eye ?brows?|eye)"
_DROOP = r"(?:droop\w*|drop\w*|sag\w*|ptosis|fallen|falling|hanging|heavy|lower\w*|closing)"
_VISION = r"(?:vision|visions|vison|eyesight|eye sight|sight)"
_FACE_PART = rf"(?:face|lips?|mouth|{_TONGUE}|cheeks?)"


# Out of breath from exertion or laughter is not a sign: "sin aire de tanto reír", "out of
# breath from running here".
_NOT_EXERTION = (
    r"(?! (?:from|after|de|por|despues de) (?:tanto |all the |so much |the |la |el )?"
    r"(?:run\w*|laugh\w*|exercis\w*|gym|work ?out|working out|stairs|climb\w*|walk\w*|rush\w*|"
    r"reir|risa|corr\w*|ejercicio|gimnasio|emocion|subir\w*|escaleras|caminar))"
)


def _near(first: str, second: str, gap: int = 4) -> str:
    """`first`, then up to `gap` words, then `second` (in that order)."""
    return rf"\b{first}\b(?:\W+\w+){{0,{gap}}}?\W+{second}"


def _either_order(a: str, b: str, gap: int = 4) -> str:
    return rf"(?:{_near(a, b, gap)}|{_near(b, a, gap)})"


_PATTERNS: dict[str, list[str]] = {
    "breathing": [
        _near(_TROUBLE, _BREATHE),
        _near(_BREATHE, r"(?:harder|worse|hard|difficult|labou?red|shallow|tight\w*)", gap=3),
        r"\bshort\w* of br\w*",
        rf"\bout of breath\b{_NOT_EXERTION}|\bbreathless\w*{_NOT_EXERTION}"
        r"|\b(?:not|isn'?t|stopped) breathing\b",
        r"\bwheez\w*",
        r"\bgasp\w* for air\b",
        rf"\b{_TROUBLE} (?:to )?(?:get|getting|take|taking|pull|draw) (?:in )?"
        r"(?:enough |any )?air\b",
        r"\bchok(?:e|es|ing)\b",
        r"\bchest (?:is |feels )?(?:tight|closing)\w*",
        r"\bsuffocat\w*",
        # Blue lips: not enough oxygen, however the breathing is described.
        r"\blips? (?:are |is |look |looks |went |turning |turned |going |getting )?(?:\w+ )?"
        r"(?:blue|bluish)\b",
    ],
    "swallowing": [
        _near(_TROUBLE, _SWALLOW),
        _near(_SWALLOW, r"(?:harder|worse|hard|difficult|painful)", gap=3),
        rf"\bhurts? (?:when|if) (?:i )?{_SWALLOW}",
        rf"\bstuck (?:\w+ ){{0,3}}(?:{_SWALLOW}|{_THROAT})",
        r"\b(?:dysphagia)\b",
    ],
    "swelling": [
        _either_order(_SWELL_PLACE, _SWELL, gap=3),
        rf"\b(?:{_THROAT}|airway|{_TONGUE}) (?:\w+ ){{0,3}}(?:closing|tight|thick)\w*",
    ],
    "allergic reaction": [
        r"\banaph\w*|\banaf[aey]l\w*",  # "anafalactic"
        r"\bana?phyla\w*",
        r"\ball?erg\w* (?:reacti?on|raction|rxn|attack|shock)\b",
        r"\bepi ?pen\b",
        r"\bhives\b",
        # An itchy throat is how anaphylaxis often starts.
        rf"\bitch\w* (?:\w+ )?{_THROAT}|\b{_THROAT} (?:is |feels )?(?:\w+ )?itch\w*",
    ],
    "vision": [
        r"\b(?:blurr?(?:y|ed|ing)?|blury|double|doubled|lost|losing|loss of|dim|fuzzy) "
        rf"(?:\w+ )?{_VISION}\b",
        rf"\b{_VISION} (?:\w+ ){{0,3}}(?:blur\w*|double|doubl\w*|gone|dark\w*|"
        r"went|changed|weird|fuzzy)",
        r"\bsee(?:ing)? (?:double|two of|everything twice)\b",
        r"\b(?:can'?t|cannot|cant|unable to) see "
        r"(?:properly|clearly|well|straight|anything|right|out)",
        r"\b(?:hard to|trouble|difficulty|problems?|struggling to) (?:see|seeing|focus\w*)\b",
        r"\beyes? (?:\w+ ){0,2}(?:blurr?\w*|fuzzy)",
        r"\beverything (?:is |looks |seems |went |got |turned )?(?:\w+ )?"
        r"(?:blurr?\w*|fuzzy|double|dark|black)\b",
        r"\bblind\w*\b",
        r"\bdiplopia\b",
        rf"\b{_VISION} (?:problems?|issues?|trouble)\b",
    ],
    "speech": [
        r"\bslurr?\w*",
        r"\b(?:trouble|hard|difficult\w*|struggl\w*|problems?) (?:to )?(?:speak|talk)\w*",
        r"\b(?:can'?t|cannot|unable to) (?:speak|talk) (?:properly|clearly|right|normally)",
        r"\b(?:speech|voice) (?:is |sounds |seems )?(?:\w+ )?"
        r"(?:weird|strange|off|slow|garbled|funny)",
        r"\bwords (?:are |keep )?(?:coming|come|came) out (?:\w+ )?"
        r"(?:wrong|weird|jumbled|garbled|funny|slurred)",
        r"\b(?:can'?t|cannot|cant) get (?:my |the )?words out\b",
    ],
    # A numb or one-sided drooping face is a stroke sign (the F of FAST).
    "face numb or drooping": [
        rf"\b{_FACE_PART} (?:is |feels |feel |went |has gone |going |gone |getting )?(?:\w+ )?"
        r"(?:numb|tingl\w*|paraly\w*)",
        # Not "do you numb the face first": the clinic numbing the skin is the visit, not a sign.
        r"(?<!\byou )(?<!\bu )(?<!\bwe )(?<!\bthey )(?<!\bto )"
        rf"\bnumb(?:ness)? (?:\w+ ){{0,2}}(?:{_FACE_PART}|one side|left side|right side)\b",
        rf"\b(?:can'?t|cannot|cant) feel (?:{_WHOSE} )?(?:{_FACE_PART}|arms?|legs?|one side)\b",
        r"\b(?:one|left|right|half|side of) (?:\w+ ){0,3}(?:face|mouth)\b(?:\W+\w+){0,3}?\W+"
        r"(?:droop\w*|numb|paraly\w*|fallen|dropp\w*|sagg\w*)",
        r"\b(?:face|mouth) (?:is |has |started )?droop\w*|\bfacial droop\w*",
        # Not "lopsided" or "uneven": after filler that is a cosmetic complaint for staff.
        r"\b(?:smile|mouth|face) (?:is |looks |went |got |has gone |goes |going )?(?:\w+ )?"
        r"(?:crooked|twisted)\b",
        r"\b(?:half|one side of|side of) (?:my |her |his |the )?(?:face|mouth) "
        r"(?:won'?t|wont|can'?t|cant|doesn'?t|isn'?t|will not|is not) mov\w*"
        r"|\b(?:can'?t|cant|cannot) move (?:half|one side) of (?:my |her |his )?(?:face|mouth)\b",
    ],
    "chest pain": [
        r"\bchest (?:pains?|hurt\w*|pressure|tightness|is tight|feels tight|squeez\w*|"
        r"is heavy|feels heavy|heaviness)",
        r"\b(?:pains?|pressure|tight(?:ness)?) (?:in |on |of )?(?:my |the )?chest\b",
        r"\bheart attack\b",
        # Crushing pressure described as a weight: "like an elephant sitting on my chest".
        r"\b(?:sitting|standing|pressing|pushing|crushing|weight|elephant) (?:\w+ )?on "
        r"(?:my |her |his |the )?chest\b|\bcrushing (?:\w+ )?chest\b",
        r"\b(?:having|had|think i'?m having) a stroke\b",
    ],
    # Fainting happening now, with or without a treatment ("about to faint", "i'm passing
    # out"); fainting asked about in general stays an after-treatment sign below. Severe
    # dizziness is fainting on its way.
    "fainting now": [
        r"\b(?:about to|going to|gonna|goin to) (?:faint|pass out|black out|collapse)\b",
        r"\b(?:i'?m|im|i am|she'?s|he'?s) (?:fainting|passing out|blacking out|collapsing)\b",
        r"\bi (?:keep|kept) (?:fainting|passing out|blacking out)\b",
        r"\bi (?:feel|am feeling|'m feeling) (?:like )?(?:i'?m )?(?:going to |gonna )?faint\b",
        r"\bjust (?:fainted|passed out|blacked out|collapsed)\b",
        r"\b(?:so|very|really|rly|super|extremely|too|real) "
        r"(?:dizzy|lightheaded|light headed|light-headed)\b",
        r"\b(?:room|everything|world) (?:is |keeps |started |starts )?spinning\b",
        r"\b(?:is|'s|are) (?:unconscious|unresponsive)\b",
        r"\b(?:won'?t|wont|will not|doesn'?t|isn'?t) wak(?:e|ing) up\b",
    ],
    "seizure": [
        r"\b(?:having|is having|'s having) (?:a |another )?(?:seizure|convulsion)s?\b",
        r"\b(?:seizing|convulsing)\b",
        # Jerking is the seizure; shaking alone may be nerves or cold.
        r"\bshak\w* (?:and|&|n) jerk\w*|\bjerk\w* (?:and|&|n) shak\w*"
        r"|\bjerk\w* (?:\w+ )?(?:uncontrollabl\w*|all over)\b",
    ],
    "weakness": [
        r"\b(?:muscle|body|arms?|legs?|neck|whole body|all over) (?:\w+ ){0,2}"
        r"(?:weak\w*|limp|numb)\b",
        r"\bweak\w* (?:\w+ ){0,3}(?:all over|spreading|in my (?:arms?|legs?|body|neck))",
        rf"\b(?:can'?t|cannot|unable to) (?:lift|hold up|hold) {_WHOSE} (?:arms?|head)\b",
    ],
}

# Spanish, accents optional: the same symptoms, reported the way Spanish speakers write them,
# Mexican colloquialisms ("jalar aire", "boca chueca") and Spanglish ("no puedo breathe") too.
# "Me cuesta", "batallo para": the Spanish words that turn a body function into a complaint.
_NO_PUEDO = (
    r"(?:no (?:puedo|pued[oe]|pueda|podia|pude|consigo|logro|alcanzo a)|apenas (?:puedo|pued[oe])|"
    r"(?:me|le|se me|se le) (?:esta |estaba )?(?:cuesta|cueste|costando|costaba|dificulta|"
    r"dificulte|dificultando)(?: mucho| trabajo)?|"
    r"(?:me|le) duele al|"
    r"batall\w*(?: para| al)?|dificult\w*(?: para| al)?|trabajo para|problemas? (?:para|al))"
)
_RESPIRAR = r"(?:respir\w*|resirar|respiar|resprar|repirar|respirrar)"
_TRAGAR = r"(?:trag(?:ar\w*|o|a|an|ando)|trgar|tragr)"
# Report forms of "swell", not the infinitive of a prediction ("¿me va a hinchar?"); the h is
# often left out.
# The subjunctive ("¿es normal que se me hinche la cara así?") reports it only with "se me".
_HINCHA = (
    r"(?:h?inch(?:a|an|ada|ado|adas|ados|ando|andose|o|aron|azon|isim[oa]s?)|"
    r"(?<!quiero que se [ml]e )(?<!para que no se [ml]e )(?<!ojala no se [ml]e )"
    r"(?<=se [ml]e )h?inch(?:e|en)\b|"
    r"inflam(?:a|an|ada|ado|adas|ados|ando|o|aron|acion)|abultad[oa]s?)"
)
_LUGAR = r"(?:garganta|lengua|labios?|boca|cara|rostro|ojos?|parpados?|cachetes?|mejillas?|cuello)"
_BORROSO = r"(?:borros\w*|boros\w*|borroz\w*|nubl\w*|empanad\w*)"
_DOBLE = r"doble(?! (?:cargo|cobro|pago|cita|la factura|el cargo|el cobro))"  # billing
_CARA_ES = r"(?:cara|rostro|facial|boca|labios?|lengua|cachetes?|mejillas?)"
_ENTUMIDO = (
    r"(?:dormid[oa]s?|durmi\w*|adormec\w*|adormecid\w*|entumi\w*|entumec\w*|insensib\w*|"
    r"paraliz\w*|paralisis|hormigue\w*|acalambr\w*)"
)
_FALLEN = r"(?:caid[oa]s?|cae|caen|cayo|cayendo)"  # "se me cae el párpado"
_CAIDA = rf"(?:{_FALLEN}|colgad\w*|paraliz\w*|dormid[oa]|durmi\w*)"

_PATTERNS["breathing (es)"] = [
    _near(_NO_PUEDO, rf"(?:{_RESPIRAR}|{_BREATHE})", gap=2),
    _near(_TROUBLE, _RESPIRAR, gap=2),
    _near(
        _RESPIRAR,
        r"(?:con (?:mucha )?dificultad|con (?:mucho )?trabajo|agitad\w*|entrecortad\w*|dificil)",
        gap=2,
    ),
    # "me falta el aire", "no me entra aire", "no puedo jalar aire" (not "aire libre").
    r"\b(?:me|le|nos|te) (?:esta )?falta(?:ndo)? (?:el |de )?aire\b|\bfalta de aire\b"
    rf"|\bsin aire\b{_NOT_EXERTION}",
    # Someone else's breathing, told by the person with them: "no respira bien", "ya no respira";
    # not a stuffy nose ("no respiro bien por la nariz").
    r"\bno (?:respira|respiro|esta respirando)\b(?! (?:bien )?por la nariz)",
    r"\bno (?:me|le) (?:entra|llega|pasa|alcanza) (?:el |suficiente )?aire\b",
    _near(_NO_PUEDO, r"aire\b(?! (?:libre|acondicionado))", gap=2),
    r"\b(?:me|se|te) (?:\w+ )?ahog\w*|\bahog(?:o|ando\w*)\b",
    r"\basfixi\w*",
    # Wheezing: "me silba el pecho".
    r"\b(?:silb|chifl)\w* (?:\w+ ){0,2}pecho\b|\bpecho (?:\w+ ){0,2}(?:silb|chifl)\w*",
    # Blue lips: "se le pusieron los labios morados", "tiene los labios azules".
    r"\blabios (?:\w+ ){0,2}azul\w*|\b(?:pusieron|puso|estan poniendo|poniendo) (?:\w+ )?"
    r"(?:los )?labios (?:azul|morad)\w*",
]
_PATTERNS["swallowing (es)"] = [
    _near(_NO_PUEDO, rf"(?:{_TRAGAR}|{_SWALLOW})", gap=2),
    _near(_TRAGAR, r"(?:con (?:mucha )?dificultad|con (?:mucho )?trabajo|dificil)", gap=2),
    _near(_NO_PUEDO, r"pasar (?:ni )?(?:la |el )?(?:saliva|comida|agua|bocado)", gap=2),
    r"\bno (?:me|le) pasa (?:ni )?(?:la |el )?(?:saliva|comida|agua|bocado)\b",
    r"\b(?:atora\w*|atasca\w*) (?:\w+ ){0,4}garganta\b|\bgarganta (?:\w+ ){0,2}(?:atora|atasca)\w*",
]
_PATTERNS["swelling (es)"] = [
    _either_order(_HINCHA, rf"(?:{_LUGAR}|lips?|{_TONGUE}|{_THROAT}|face)", gap=4),
    _either_order(_SWELL, _LUGAR, gap=4),  # Spanglish: "tengo swelling en los labios"
    r"\b(?:cierra|cierre|cerrando\w*|cerro|cerrado|cerrada|cerrar) (?:\w+ ){0,2}garganta\b"
    r"|\bgarganta (?:\w+ ){0,3}(?:cerr|cierr|apretad)\w*",
    r"\blengua (?:\w+ ){0,2}(?:gord|grand|grues|pesad)\w*|\b(?:gord|grand)\w* (?:la )?lengua\b",
]
_PATTERNS["allergic reaction (es)"] = [
    r"\brea?cc?i?on\w* (?:\w+ )?al+er[gj]\w*",
    r"\bal+er[gj]ia (?:muy |bien |super |tan )?(?:fuerte|grave|severa|seria|horrible)\b",
    r"\b(?:me|le|nos) (?:esta dando|dio|causo|provoco|hizo) (?:una |mucha )?"
    r"(?:reaccion|al+er[gj]ia)\b",
    r"\banafil\w*",
    r"\b(?:urticaria|ronch(?:a|as|itas?|otas?|ones))\b",
    # An itchy throat is how anaphylaxis often starts.
    r"\b(?:pica|pican|picando|comezon|picor|picazon) (?:\w+ ){0,3}garganta\b"
    r"|\bgarganta (?:\w+ ){0,2}(?:pica|pican|picando|comezon|picor|picazon)\b",
]
_PATTERNS["vision (es)"] = [
    rf"\b(?:veo|ve|ves|veia|viendo) (?:\w+ ){{0,2}}(?:{_BORROSO}|{_DOBLE}|blurr?y|double)",
    _either_order(r"(?:vista|vision)", rf"(?:{_BORROSO}|{_DOBLE})", gap=2),
    _either_order(r"ojos?", _BORROSO, gap=2),  # not "doble": "paquete doble para ojos"
    r"\b(?:perd\w*|perdida de) (?:la |el |mi )?(?:vista|vision)\b|\bse me (?:fue|va) la vista\b",
    # Not when what cannot be seen is a thing: "no veo bien el mapa", "no veo nada en su página".
    r"\bno (?:puedo ver|pude ver|veo|veia|alcanzo a ver) "
    r"(?:bien|nada|claro|de (?:un|el|este|mi) ojo|del ojo)\b"
    r"(?! (?:sobre|acerca|de (?:info\w*|precio\w*|eso)|(?:en )?(?:el|la|los|las|su|sus|tu|este|"
    r"esta|ese|esa|eso)\b(?! ojo)))",
    r"\b(?:me quede|estoy|quede|quedando|me estoy quedando) cieg[oa]\b|\bcieg[oa] de un ojo\b",
]
_PATTERNS["chest pain (es)"] = [
    _either_order(
        r"(?:dolor\w*|duele|presion|opresion|oprim\w*|oprime|apret\w*|aprieta|punzad\w*|"
        r"pesadez|pesad[oa]|pain|tight\w*)",
        r"pecho",
        gap=3,
    ),
    r"\bataque (?:al coraz[oó]n|card[ií]aco)\b|\binfarto\b",
    r"\bpeso (?:\w+ )?(?:en|sobre) (?:el |mi )?pecho\b",
    r"\b(?:derrame|infarto|ataque) cerebral\b|\bembolia\b|\baccidente cerebro ?vascular\b",
    r"\b(?:me|le|te) (?:esta dando|dio|va a dar) (?:un )?(?:derrame|preinfarto)\b",
]
_PATTERNS["speech (es)"] = [
    # Not "no puedo hablar por teléfono ahorita" or "no puedo hablar inglés".
    _near(_NO_PUEDO, r"(?:hablar|pronunciar|articular|modular)", gap=1)
    + r"(?! (?:por|al|ahorita|ahora|ahorrita|en este momento|contigo|de |sobre |mucho|"
    r"ingles|espanol|con (?:ustedes|usted|alguien|nadie|ellos|ella|el|una?|mi|su|la|los)\b))",
    r"\b(?:hablo|habla|hablando|hablar) (?:\w+ )?(?:raro|rara|arrastrando|trabad\w*|enredad\w*|"
    r"chistoso|extrano|mocho|como borrach\w*)",
    r"\barrastr\w* (?:\w+ )?palabras\b|\bpalabras (?:\w+ ){0,2}(?:arrastrad|enredad|trabad)\w*",
    r"\b(?:traba|trabo|trabando|trabada|enreda|enredo|enredando|enredada) (?:\w+ )?lengua\b"
    r"|\blengua (?:\w+ ){0,2}(?:trabad|enredad|torpe)\w*",
    r"\bno (?:me|le) salen (?:las )?palabras\b",
    r"\bno se (?:me|le) entiende (?:\w+ ){0,2}(?:habl\w*|nada)\b",
]
# The same stroke sign as "face numb or drooping": "se me durmió la cara", "boca chueca".
_PATTERNS["face numb or drooping (es)"] = [
    _either_order(_ENTUMIDO, _CARA_ES, gap=3),
    r"\bno (?:siento|sentia|puedo sentir|pued[oe] sentir) (?:\w+ ){0,2}"
    r"(?:cara|rostro|boca|labios?|lengua|brazos?|piernas?|manos?|lado)\b",
    # One-sided, so not "tengo la cara caída" (sagging skin) or "se me cae el pelo".
    r"\b(?:cara|boca|rostro) (?:\w+ ){0,3}(?:chuec\w*|torcid\w*|desviad\w*|caid[oa] de un lado)",
    r"\b(?:chuec\w*|chueque\w*|torci\w*|desvi\w*) (?:\w+ ){0,2}(?:cara|boca)\b",
    rf"\b(?:mitad|lado\w*) (?:\w+ ){{0,2}}(?:cara|boca|rostro)\b(?:\W+\w+){{0,3}}?\W+{_CAIDA}",
    rf"\b{_CAIDA} (?:\w+ ){{0,2}}(?:mitad|un lado) de (?:la |mi )?(?:cara|boca|rostro)\b",
]
_PATTERNS["weakness (es)"] = [
    r"\b(?:brazos?|piernas?|cuerpo|cuello|musculos?) (?:\w+ ){0,2}"
    r"(?:debil\w*|dormid\w*|entumid\w*|sin fuerzas?)\b",
    r"\b(?:no tengo|sin|me quede sin|perdi(?:endo)? (?:la )?) ?fuerzas? (?:en|para)\b",
    r"\bdebilidad (?:muscular|en (?:los|las|el|todo))\b",
    r"\bno (?:puedo|puede) (?:levantar|sostener) (?:los brazos|el brazo|la cabeza)\b",
    _near(_NO_PUEDO, r"mover (?:\w+ ){0,2}(?:cara|boca|lado|brazos?|piernas?|manos?)\b", gap=1),
    # An arm or half the body going numb ("se me adormeció el brazo"); not a leg, which
    # "falls asleep" from sitting.
    r"\bse (?:me|le) (?:durmio|adormecio|entumio|entumecio|paralizo|esta (?:durmiendo|"
    r"adormeciendo|entumiendo)) (?:el |la |los |todo el |medio |un )?(?:brazos?|cuerpo|lado)\b",
]
_PATTERNS["fainting now (es)"] = [
    r"\bperd(?:i|iendo) (?:el )?(?:conocimiento|sentido)\b",
    # "Siento que me desmayo", "me desmayé", but not a habit: "me desmayo cuando veo agujas".
    r"\bme desmay(?:e|o|aba)\b"
    r"(?! (?:cuando|con|si|al|de (?:solo )?ver|facil\w*|siempre|nomas|nada mas))",
    r"\b(?:me|se|te) (?:voy a|va a|vas a|vuelvo a|estoy|esta|acabo de|acaba de) desmay\w*",
    r"\b(?:casi|a punto de) (?:me )?desmay\w*|\bdesmayand\w*",
    r"\b(?:me|le) (?:dio|esta dando) (?:un |como un )?desmayo\b|\btuve un desmayo\b",
    r"\b(?:esta|quedo|sigue|se quedo) inconsciente\b|\bno (?:despierta|reacciona)\b",
    # Severe dizziness is fainting on its way.
    r"\b(?:muy|bien|super|demasiado|re|tan|bastante|mega) maread[oa]s?\b|\bmareadisim[oa]\b"
    r"|\bmareo (?:muy |bien |super )?(?:fuerte|horrible|terrible|intenso)\b",
    r"\btodo (?:me )?(?:da|esta dando) vueltas\b|\bme da vueltas (?:todo|la cabeza|el cuarto)\b",
]
_PATTERNS["seizure (es)"] = [
    r"\bconvulsionand\w*|\b(?:esta|estan) convulsion\w*"
    r"|\b(?:me|le|te) (?:esta dando|estan dando|dio|dieron) (?:una |unas )?convulsion\w*"
    r"|\b(?:esta|le esta dando un) ataque epileptico\b",
    # "Le dio un ataque" is how a seizure is told; not "un ataque de risa / de pánico".
    r"\b(?:me|le|te) (?:esta dando|dio|dieron) (?:un |otro )?ataque\b"
    r"(?! (?:de|al|cardiaco|cerebral))",
]

# Redness or swelling spreading now and getting worse is a sign of infection (cellulitis) with
# or without a treatment: "lo rojo se está regando por toda la cara y se pone peor". Redness
# that spread over years is rosacea's course, and "has spread" says nothing of now.
_SPREADING_NOW = _either_order(
    r"(?:red\w*|rash\w*|swell\w*|swollen|roj\w*|enrojec\w*|hinch\w*|sarpullido|ronchas?)",
    r"(?:(?:is|are|it'?s|keeps?|started|starting) (?:\w+ )?spreading|spreading (?:fast|quickly)"
    r"|se (?:me |le )?(?:esta|estan|sigue|siguen|va|van) (?:\w+ )?(?:regando|extendiendo|"
    r"expandiendo|propagando|corriendo)|se (?:me |le )?(?:riega|extiende|expande|propaga))",
    gap=4,
)
_WORSE_NOW = (
    r"getting worse|worse and worse|worse by the|\bfast\b|quickly|rapidly|\bhot\b|\bwarm\b|"
    r"swollen|fever|throbbing|(?:se (?:me |le )?(?:pone|esta poniendo)|cada vez) (?:mas )?peor|"
    r"empeor\w*|rapid\w*|caliente|hinchad\w*|hinchazon|fiebre|cada vez mas"
)
_OVER_TIME = r"\b(?:years?|months?|anos|meses|over time|con el tiempo|lately|ultimamente)\b"
_PATTERNS["spreading redness"] = [
    rf"^(?=.*(?:{_SPREADING_NOW}))(?=.*(?:{_WORSE_NOW}))(?!.*{_OVER_TIME})"
]

_DROOPING_EYELID = re.compile(
    _either_order(_EYELID, _DROOP, gap=3)
    + "|"
    + _either_order(r"(?:parpados?|ojos?|cejas?)", _FALLEN, gap=3)
)
# A pet as the subject just before a symptom: "mi perro no puede respirar bien por el calor".
_PET_SUBJECT = re.compile(
    r"\b(?:mi|my|el|la|our|the|his|her|su|tu|your|nuestr[oa]) "
    r"(?:perr\w*|gat[oa]s?|gatit[oa]s?|mascotas?|dogs?|doggy|pupp\w*|pup|cats?|kitt\w*|pets?)"
    r"\W+(?:\w+\W+){0,2}$"
)

# Swelling is what fillers are expected to do, so outside the airway it is not a sign when it is
# asked about in general ("how long does swelling last after filler?", "¿es normal la hinchazón?")
# or is what a treatment is for ("anything for puffy eyes?", "algo para los ojos hinchados").
_AIRWAY = re.compile(rf"{_THROAT}|{_TONGUE}|airway|neck|garganta|lengua|cuello")
_ROUTINE_QUESTION = re.compile(
    r"^\W*(?:how long\b|is\b[^?.!]{0,40}\b(?:normal|common|expected|usual)\b|"
    r"es (?:normal|comun)\b|cuanto (?:tiempo )?(?:dura|duran|tarda|tardan)\b)"
)
_FOR_IT = re.compile(
    r"\b(?:for|para) (?:the |my |los |las |mis )?(?:\w+ (?:and|y|&) (?:the |my |los |las |mis )?)?$"
)
# Numbness from the numbing cream or the dentist's anaesthetic is expected, not a stroke sign.
_ANAESTHETIC = re.compile(
    r"\bnumbing\b|\ban(?:a)?esthe\w*|\banestesi\w*|\blidocain\w*|\bnovocain\w*|\bdentist\w*"
    r"|\bpara adormecer\b|\badormecedor\w*"
)
_NUMB = re.compile(r"numb|tingl|dormid|durmi|adormec|entum|insensib|hormigue")


def _compile(groups: dict[str, list[str]]) -> dict[str, re.Pattern[str]]:
    # One alternation per symptom: a single scan of the text instead of one per pattern.
    return {
        name: re.compile("|".join(f"(?:{p})" for p in patterns))
        for name, patterns in groups.items()
    }


_COMPILED = _compile(_PATTERNS)

# The clinic's procedures by name (lasers, peels and needling burn and blister too).
_PROCEDURE = (
    r"(?:botox|botx|tox|dysport|xeomin|injections?|shots?|jabs?|fillers?|lasers?|peels?|peeling|"
    r"micro ?needling|needling|kybella|prp|threads?|sculptra|juvederm|restylane|radiesse)"
)
_TREATMENT = rf"(?:{_PROCEDURE}|injects?|treatments?|appointment|appt|procedure)"
_PROCEDIMIENTO = (
    r"(?:botox|toxina|inyecci\w*|piquetes?|relleno|filler|laser|peeling|micro ?needling|dermapen|"
    r"hilos|mesoterapia|acido hialuronico)"
)
# A procedure then a time in the past: "filler in my lips last week", "el laser de ayer"; not an
# appointment ("I missed my laser appointment yesterday"), which may not have happened.
_PAST = (
    r"(?:yesterday|last (?:week|night|month)|the other day|(?:\d+|a|an|one|two|three|few|couple"
    r"(?: of)?) (?:days?|hours?|hrs?|weeks?|wks?) ago|ayer|antier|anteayer|anoche|"
    r"la semana pasada|hace (?:\w+ )?(?:dias|horas|semanas?|un rato))\b"
)
# The message is about a treatment the person has had, not a general health question.
_AFTER_TREATMENT = re.compile(
    rf"\b(?:after|since|from|around|near) (?:\S+ ){{0,2}}{_TREATMENT}\b"
    rf"|\b(?:had|got|getting|having) (?:my |the |a |her |his |some )?(?:\S+ )?{_TREATMENT}\b"
    rf"|\b(?:{_PROCEDURE}|injection) (?:site|spot|point|area)s?\b"
    r"|\binjected (?:area|spot|site|point)s?\b"
    r"|\bwhere (?:\S+ ){0,2}inject\w*"
    rf"|\b(?:{_PROCEDURE}|{_PROCEDIMIENTO})\b"
    rf"(?: (?!appoint|appt|consult|cita)[\w']+){{0,3}} {_PAST}"
    # Spanish: "después del botox", "desde que me inyectaron", "donde me pusieron el botox".
    r"|\b(?:despues|desde|luego) (?:de |del |de la |de las |de los |que )?(?:\S+ ){0,3}"
    rf"(?:{_PROCEDIMIENTO}|inyect\w*|tratamiento|cita|procedimiento|aplicacion)\b"
    r"|\b(?:piquetes?|sitio|zona|lugar|punto|puntos|area) (?:de (?:la |las |los )?|del? )"
    rf"{_PROCEDIMIENTO}"
    # "Piquete" is what Mexican visitors call the injection: "me salió pus del piquete".
    r"|\b(?:el|del|los|un|al) piquetes?\b"
    r"|\b(?:me|le|nos|les) (?:la |lo |las |los )?"
    r"(?:pusieron|puso|inyectaron|aplicaron|picaron)\b"
    r"|\b(?:me|se) (?:puse|puso|pusieron|hice|hizo) (?:el |la |los |las |un |una )?"
    rf"(?:{_PROCEDIMIENTO}|tratamiento|labios)"
)
# A general question ("can Botox cause blisters?") rather than a report ("I have blisters");
# Spanish questions may open with "¿".
_QUESTION_OPENER = re.compile(
    r"^\W*(?:can|could|does|do|will|would|might|may|should|is there|are there|what if|"
    r"how (?:likely|common|often)|is it (?:possible|common|likely|usual|rare)|"
    r"(?:el botox |la inyeccion )?(?:puede|pueden|podria|causa|provoca|da)|"
    r"es (?:normal|posible|comun)|que pasa si|hay riesgo)\b"
)
_REPORT = re.compile(
    r"\b(?:i have|i'?ve|i'?m|i am|i got|i feel|i noticed|i see|i just|my|mine|"
    r"(?:she|he|they)(?: has| have|'s| is| are)|her|his|their|"
    r"tengo|tiene|me|mi|mis|le|su|sus|estoy|esta|siento)\b"
)
_SKIN = r"\b(?:skin|area|spot|site|patch) (?:\w+ ){0,4}"
_AFTER_TREATMENT_SIGNS: dict[str, list[str]] = {
    "fainting": [
        r"\b(?:passed out|passing out|pass out|fainted|fainting|feel(?:ing)? faint|black(?:ed|ing) "
        r"out|unconscious|unresponsive|seizures?|convuls\w*)\b",
    ],
    "infection": [
        r"(?<!hay )(?<!yellow )\bfever\w*|\bfeverish\b|\bchills\b|\bhigh temperature\b",
        # A fever given as a reading: "a temperature of 102", "temp is 38.5", "running a temp".
        r"\b(?:temperature|temp)\b (?:of |is |was |at |around )?(?:10[0-9]|3[89])\b"
        r"|\brunning a (?:temperature|temp)\b",
        r"\bpus\b(?![- ]?filled)|\booz\w*|\bdischarg\w*",
        r"\binfect(?:ed|ion)\b",
        r"\b(?:hot|warm) to (?:the )?touch\b",
        _either_order(
            r"(?:red\w*|rash\w*|swell\w*|swollen|pain\w*|warmth|hot)",
            r"(?:spread\w*|streak\w*|growing|getting bigger|bigger and bigger)",
            gap=4,
        ),
    ],
    "blistering": [r"\bblister\w*"],
    "severe pain": [
        r"\b(?:severe|intense|excruciating|unbearable|extreme|horrible|terrible|worsening) "
        r"(?:\w+ )?(?:pain|ache|aching|throbbing)\b",
        r"\bpain\b (?:\w+ ){0,5}(?:getting worse|worse and worse|unbearable|severe)",
        r"\bhurts? (?:so+|really|rly|super|like) (?:so+ )?(?:bad|much|hell)\b",
        r"\b(?:10|ten) ?(?:/|out of) ?10\b",  # a pain score
    ],
    # "Is black" describes a skin tone, so black counts only as a change ("turning black").
    "skin colour change": [
        rf"{_SKIN}(?:turn\w*|going|gone|went|is|looks) (?:\w+ )?"
        r"(?:white|grey|gray|blue|purple|dusky|mottled)\b",
        rf"{_SKIN}(?:turn\w*|going|gone|went) (?:\w+ )?black\b",
    ],
}
# Spanish: the same signs, as Spanish speakers report them ("me salieron ampollas").
_AFTER_TREATMENT_SIGNS["fainting (es)"] = [
    r"\bdesmay\w*|\bperdio el (?:conocimiento|sentido)\b|\bconvuls\w*",
    r"\bse me bajo la presion\b",
]
_AFTER_TREATMENT_SIGNS["infection (es)"] = [
    r"\b(?:fiebre|calentura|escalofrios)\b",
    r"\bpus\b|\bsupura\w*|\binfectad[oa]s?\b|\binfeccion\b",
    r"\bcaliente al (?:tacto|tocar)\b",
    _either_order(
        r"(?:roj\w*|enrojec\w*|hinchaz\w*|dolor|rash|sarpullido)",
        r"(?:extend\w*|regand\w*|rega\w*|propag\w*|expand\w*|corriendo|crec\w*|agrand\w*|"
        r"cada vez mas grande)",
        gap=6,
    ),
]
# "Se me ampolló la piel": the verb as well as the noun.
_AFTER_TREATMENT_SIGNS["blistering (es)"] = [r"\bampoll\w*|\bvejiga\w*|\bllagas?\b"]
_AFTER_TREATMENT_SIGNS["weakness (es)"] = [r"\bdebil\w*|\bsin fuerzas?\b"]
_AFTER_TREATMENT_SIGNS["severe pain (es)"] = [
    r"\b(?:dolor|hinchazon|hinchad[oa]|caliente) (?:\w+ ){0,4}"
    r"(?:empeor\w*|peor|cada vez mas|aumenta\w*)",
    r"\bdolor (?:muy |bien |super )?(?:fuerte|intenso|insoportable|terrible|horrible|tremendo)",
    r"\bdolor (?:\w+ ){0,5}(?:es|esta|se volvio|se puso) (?:muy |bien |super )?"
    r"(?:insoportable|intenso|horrible|terrible|tremendo)",
    r"\bme duele (?:\w+ ){0,3}(?:muchisimo|horrible|cada vez mas|insoportable)",
]
_AFTER_TREATMENT_SIGNS["skin colour change (es)"] = [
    r"\b(?:piel|zona|area|parte) (?:\w+ ){0,4}(?:se (?:puso|pone|esta poniendo|volvio) |esta )"
    r"(?:\w+ )?(?:blanc|gris|azul|morad|negr)\w*",
]
_COMPILED_AFTER_TREATMENT = _compile(_AFTER_TREATMENT_SIGNS)

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


@dataclass(frozen=True)
class RedFlag:
    symptoms: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.symptoms)


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, no accents (Spanish is often typed without them)."""
    bare = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    bare = "".join(c for c in bare if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", bare).strip()


def detect(text: str) -> RedFlag:
    """Which red-flag symptoms `text` describes; a drooping eyelid counts only with another one."""
    clean = normalise(text)
    found = _matching(_COMPILED, clean)
    if _reports_after_treatment(clean):
        found += _matching(_COMPILED_AFTER_TREATMENT, clean)
    if found and _DROOPING_EYELID.search(clean):
        found.append("drooping eyelid")
    return RedFlag(tuple(found))


def _matching(groups: dict[str, re.Pattern[str]], clean: str) -> list[str]:
    return [
        name
        for name, pattern in groups.items()
        if any(_counts(name, m, clean) for m in pattern.finditer(clean))
    ]


def _counts(name: str, match: re.Match[str], clean: str) -> bool:
    if _PET_SUBJECT.search(clean, 0, match.start()):  # not the visitor's symptom
        return False
    if name.startswith("swelling"):
        return not _routine_swelling(match, clean)
    if name.startswith("face numb"):
        return not (_NUMB.search(match.group()) and _ANAESTHETIC.search(clean))
    return True


def _routine_swelling(match: re.Match[str], clean: str) -> bool:
    if _AIRWAY.search(match.group()):
        return False
    # Only a bare noun phrase ("puffy eyes", "ojos hinchados"), not "for my lips and my face is
    # swelling".
    if len(match.group().split()) == 2 and _FOR_IT.search(clean, 0, match.start()):
        return True
    return _ROUTINE_QUESTION.search(clean) is not None and _REPORT.search(clean) is None


def _reports_after_treatment(clean: str) -> bool:
    if not _AFTER_TREATMENT.search(clean):
        return False
    return _REPORT.search(clean) is not None or _QUESTION_OPENER.search(clean) is None
