"""The matcher's multilingual vocabulary (EN FR ES DE IT NL PT PL RO RU TR; SV DA NB FI CS SK HU HR SL BG EL
LT LV for the common claims and accessories; some AR) and search terms.

Entries are regex fragments over *folded* text (lower case, accents stripped: see `text.fold`),
grouped by evidence class. Words come from MINIPHONE_FACTS.md section 4 and from ordinary
marketplace vocabulary; none is keyed to a particular dev-set listing. `VOCAB` indexes every
class for a one-pass scan (see `vocab.VocabIndex`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from matching.vocab import VocabIndex

if TYPE_CHECKING:
    from matching.catalog import Catalog

__all__ = [
    "BUNDLE_CUE",
    "NEGATION_AFTER",
    "NEGATION_BEFORE",
    "PAIRING_CHAIN",
    "PAIRING_CUE",
    "PAIRING_POSTCUE",
    "PRISON_PURPOSE",
    "RISK_CLASSES",
    "SEARCH_TERMS",
    "STANDALONE_CUE",
    "VOCAB",
    "WITHOUT_START",
    "search_queries",
]

# A phone noun (strict: words that mean a telephone, not "portable" or "mobile" alone).
PHONE = (
    r"(?:(?:cell|mobile|keypad|feature|gsm)[\s-]?phones?|phones?|cellphones?|handsets?|"
    r"telephones?|movil(?:es)?|telefonos?|telefonit[oa]s?|celular(?:es)?|telemove(?:l|is)|telefones?|"
    r"cellular[ei]|telefonin[oi]|handys?|telefoane(?:le)?|telefoons?|telefoontjes?|"
    # telefon with the endings of PL RO CS SK SV DA NB HU LT LV (telefonen, telefonja, telefonas)
    r"telefon(?:u|y|ie|ul|ik|iki|ikow|ow|ami|ach|en|er|erna|erne|ene|et|ja|ok|t|ot|as|ai|s|a|e|i|om)?|"
    r"mobiltelefon\w*|matkapuhelin\w*|mobitel\w*|mobiil\w*|mobla|farsim\w*|(?:plast|mini)?sim(?:i|inn|inum|ans|a|ar|ann)|puhel(?:in|imen|imet|imia|imeen|inta)|kannyk\w*|"
    r"κινητ(?:ο|α|ου|ων)|τηλεφων(?:ο|α|ου|ων)|"
    r"телефон\w*|мобильник\w*|мобілк\w*|трубк\w*|сотовый|هاتف|جوال|موبايل|تليفون|تلفون)"
)
# Also "mobile" words that name a phone only beside "mini" ("mobil" is a phone in SV CS HU, an
# adjective in DE).
_LOOSE_PHONE = (
    PHONE[:-1] + r"|mobiles?|portables?|tel|movil|gsm|mobil(?:en|er|erna|u|y|a|om|ok|ja|ni|nog|nom)?|"
    r"(?:plast|fick|lomme)mobil\w*|мобилн\w*|мобилен|мобільн\w*)"
)
_SMALL = (
    r"(?:mini|minik|micro|tiny|little|thumb|finger|duim|daumen|parmak|kucuk|mititel\w*|pocket|winzig\w*|ultra[\s-]small|super[\s-]mini|мини|микро|"
    r"minuscul[eo]s?|miniaturow\w*|malutk\w*|pequenit\w*|chiquit\w*|міні|миниатюрн\w*|крошечн\w*|"
    r"liten|lilla|lille|pieni|pienikokoinen|maly|mali|malen\w*|majhn\w*|kicsi|apro|parany\w*|"
    r"малк\w*|малък|мъничк\w*|маленьк\w*|мініатюрн\w*|ميني|μινι|μικρ(?:ο|α|οσ|ουλ\w*)|μικροσκοπικ\w*|mazas|mazs|tommelstor\w*|tumstor\w*|"
    r"pytteliten|pyttelite|bitteliten|bittelille|pikkuruinen|pikku|malicky|pidi|aprocska|"
    r"pisike|vaike(?:ne|se)?|tilluke|vogel|vockel|litill?|litla|pinulitil\w*|kleng|majusn\w*|sicusn\w*|"
    r"мали|мал|малецк\w*|мајушн\w*|сићушн\w*|крихітн\w*)"
)
_GAP = r"(?:(?!sim|usb|sd\b|cooper)[\w'.+]+[\s-]+){0,2}?"

MINI_PHONE = [
    # glued only to the phone noun itself ("miniphone"), never to another word ("minimalist phone")
    _SMALL + r"(?:[\s-]+" + _GAP + _LOOSE_PHONE + "|" + _LOOSE_PHONE + ")",
    _LOOSE_PHONE + r"[\s-]+(?:mini|miniatur[ea]s?|miniatur|miniaturas?|enanos?|ميني|minuscul\w*|"
    r"pequenit\w*|chiquit\w*|mici|mititel\w*)",
    r"mini[\s-]?handys?",
    r"minimovil(?:es)?",
    r"minitelefon\w*",
    r"(?:mikro|micro)telefon\w*",
    r"minimobil\w*",
    r"(?:mini|micro)cellular[ei]",
    r"minicelular(?:es)?",
    r"winz(?:telefon\w*|phone|handy\w*)",
    r"knast[\s-]?(?:phone|handy)s?",
    r"fingergro(?:ß|ss)\w*[\s-]+(?:mini[\s-]?)?handys?",
    r"(?:mini|micro)[\s-]?portables?",
    r"mini[\s-]?tels?",
    r"movil(?:es)? en miniatura",
    r"telefonos? miniatura",
    r"cep telefonu mini",
    r"(?:portable|telephone|mobile|movil|telefono|telefonin[oi]|cellular[ei]|telemovel|handy)s? (?:de poche|"
    r"de bolsillo|tascabil[ei]|"
    r"tascabile|de bolso|fur die hosentasche)",
    r"(?:جوال|هاتف|موبايل) صغير",
]

PHONE_WORD = [
    PHONE,
    r"mobile phones?",
    r"cep telefonu",
    r"telephones? portables?",
    r"(?:gsm|telefoon)?toestel(?:len|letje)?",
    r"tastenhandys?",
]

SIM = [
    r"sim(?!\s?lock)(?:s|kaart\w*|karte\w*)?",
    r"sim[\s-]?(?:card|karte|kaart)\w*",
    r"(?:dual|double|doble|2|dos|duplo) chips?",
    r"(?:con|com|usa|admite|acepta|aceita) chips?",
    r"cartel(?:a|e|uta) (?:sim|proprie)",
    r"chip gsm",
    r"сим\w*",
    r"sim-карт\w*",
    r"شريح\w*",
    r"cift hat",
]

NETWORK_2G = [
    r"2g",
    r"gsm",
    r"quad[\s-]?band",
    r"quadri?band\w*",
    r"cuatribanda",
    r"quadband",
    r"850/900/1800/1900(?:\s?mhz)?",
    r"tri[\s-]?band",
    r"dual[\s-]?band",
]
# Several units sold together ("lot of 5", "10 pcs"): a reseller's bulk offer.
BULK_LOT = [
    r"(?:lot|lots|lotto|lote|stock|bundle|pack|set|paquete|pacote|partia|zestaw|pachet|partij|"
    r"комплект|партия|набор)(?: of| de| di| da| van| z| x)?\s+\d+",
    # counted pieces ("10 pcs")
    r"(?:pcs|szt|sztuk|stuks|stk|stuck|штук\w*|шт|adet|bucati|pezzi|tk|komada|комада)",
    r"job lots?",
    r"wholesale",
    r"en[\s-]gros",
    r"al por mayor",
    r"(?:no )?atacado",
    r"gro(?:ß|ss)handel\w*",
    r"hurtow\w*",
    r"toptan",
    r"оптом",
    r"ingrosso",
]
NETWORK_4G = [r"4g", r"lte", r"5g", r"volte", r"wi-?fi hotspot"]

BT_DIALER = [
    r"(?:bluetooth|bt)[\s-]*(?:dial(?:l)?er|marcador|discador|numeroteur|composeur)",
    r"dial(?:l)?er(?:[\s-](?:phone|headset|telefon\w*|телефон))?",
    r"(?:discador|marcador|numeroteur|composeur)[\s-]*(?:bluetooth|bt)",
    r"numeroteur",
    r"wahlgerat",
    r"discador",
]
VOICE_CHANGER = [
    r"voice[\s-]*chang\w*",
    r"magic[\s-]*voice",
    r"changeur de voix",
    r"cambiador de voz",
    r"cambiatore (?:vocale|di voce)",
    r"stimmver(?:zerrer|änderer|anderer)",
    r"stemvervormer",
    r"trocador de voz",
    r"modificador de voz",
    r"изменени\w* голоса",
    r"ses degistir\w*",
    r"zmieniacz glosu",
    r"modificator de voce",
    r"مغير الصوت",
]

# ---- risk claims (each class scores once) ----------------------------------------------------
_DETECT = (
    r"(?:walk[\s-]*through[\s-]+)?(?:metal[\s-]*)?(?:detectors?|scanners?)|"
    r"security (?:gates?|scanners?)|"
    r"portiques?|detecteurs?|arcos?|detectores?|metalldetektor\w*|body scanners?|x[\s-]?rays?|"
    r"metal detector|rilevator\w*|bramk\w*|металлодетектор\w*|рамк\w*|porti\w* de securitate|"
    r"guvenlik kapi\w*|(?:detectie)?poortjes|portas? de seguranca|sicherheitsschleuse\w*|varchi|"
    r"metaldetektor\w*|metallinilmaisin\w*|metallinpaljastin\w*|femdetektor\w*|femkereso\w*|"
    r"detektor\w*|skanner\w*|rentgen\w*|металотърсач\w*|скенер\w*|ανιχνευτ\w*|"
    r"metallidetektor\w*|metallbag\w*|turvavarav\w*|детектор\w*|металодетектор\w*|malmleitar\w*"
)
_EVADE = (
    r"(?:pass(?:es|ing)?|gets? (?:through|past)|through|bypass\w*|evades?|invisible to|"
    r"not (?:be )?detected by|won'?t (?:trigger|set off)|(?:does|do|will) not (?:trigger|set off)|"
    r"not (?:to )?set off|can'?t be (?:picked up|detected) by(?: any)?(?: type of)?|"
    r"ne (?:pas )?(?:faire )?(?:sonner|declencher)|ne declenchen?t? pas|indetectables? (?:aux|par)|"
    r"no (?:lo|los|la|las) (?:detectan?|pitan?)|non (?:suona|rilevat\w*)|unerkannt|"
    r"nie wykrywa\w*|не (?:видят|обнаружива\w*)|passe(?:nt)?|pasa(?:n)?|passa(?:no|m)?|"
    r"(?:kommt|kommen|geht|gehen) durch|gaat door|(?:komt|komen) door|przechodz\w* przez|"
    r"trec\w*(?: de| prin)?|gecer|"
    r"passerar|passerer|(?:gar|kommer) (?:igenom|genom|igennem|gjennom)|(?:menee|paasee) lapi|"
    r"projd(?:e|ou)|prejd(?:e|u)|nezachyt\w*|atmegy|nem jelez|prolazi(?: kroz)?|gre skozi|"
    r"минава(?: през)?|περνα(?:ει)?(?: απο)?|δεν πιανει|"
    r"(?:does|do|will)(?:n'?t| not) beep|won'?t beep|no beep\w*|piept nicht|piept niet|piper (?:inte|ikke)|"
    r"bipper ikke|nie piszczy|не пищ(?:ит|ить)|nepipa|nem sipol|ei (?:piiksu|pikse)|no pita|nao apita|"
    r"nuk e (?:kap|zbulon|dallon)\w*|labib|laheb labi|пролази(?: кроз)?|поминува(?: низ)?|"
    r"проход\w*(?: через)?|" + r"undetect(?:able|ed) (?:by|to|at)|(?:non )?rilevabil\w* (?:al|ai|dal|dai)|"
    r"indetectables? (?:par|por|aux|a los|al)|nedetectabil\w* (?:la|de)|niewykrywaln\w* (?:przez|dla))"
)
_PRISON = (
    r"(?:prisons?|jails?|inmates?|prisoners?|penitenciar\w*|penitentiar\w*|bajes|gevangenis\w*|knast|"
    r"gefangnis\w*|jva|carcel\w*|prision\w*|carcere|prigion\w*|galera|wiezieni\w*|тюрьм\w*|сизо|"
    r"cezaevi\w*|hapishane\w*|prisao|presidio|cadeia|taule|zonzon|parloir|puscari\w*|talego|trullo|hafn|"
    r"зон[аыуе]|paki|besuchsraum|besuchszimmer|vis a vis|colloqui|widzeni\w*|vorbitor|visiting rooms?|"
    r"(?:dia|dias) de visita|"
    r"fangelse\w*|faengsel\w*|fengsel\w*|vankila\w*|vezeni\w*|vazeni\w*|borton\w*|zatvor\w*|"
    r"затвор\w*|φυλακ\w*|kalejim\w*|cietum\w*|سجن|السجن|vangla\w*|burg(?:u|je)\w*|fangelsi\w*|prisong\w*|"
    r"в'язниц\w*|вязниц\w*|тюрм\w*|сізо)"
)
# "The size of a lighter": a comparison word, an article, then a small object.
_SIZE_OF = (
    r"(?:size of|sized? like|taille(?: d'?| de)?|format|formato|tamano(?: de)?|tamanho(?: de)?|cat|"
    r"del tamano de|grande come|grand comme|"
    r"kleiner (?:dan|als)|gro(?:ß|ss)e (?:eines?|von)|(?:so )?(?:gro(?:ß|ss)|klein) wie|grootte van|"
    r"zo (?:groot|klein) als|razmerom s|rozmirom (?:z|iz|zi)|"
    r"розміром з|as small as|no bigger than|smaller than|"
    r"pas plus (?:haut|grand|large)s? qu'?|wielkosci|размер(?:ом)? с|"
    r"storlek(?:en)? (?:som|av)|(?:lika )?(?:stor|liten|lille) som|storrelse (?:som|av|af)|"
    r"velikost(?:i)? (?:jako )?|velkost(?:i)? |(?:velky|maly) jako|velicine|velikosti|velik (?:kot|kao)|"
    r"размер(?:а)? на|μεγεθοσ|σαν|stærð við|sou grouss wei|големина на|величин\w*)"
)
_SIZE_ARTICLE = (
    r"(?:a |an |un |une |el |een |eine[mns]? |ein |your |ur |yr |votre |il |lo |um |uma |o |en |ett |"
    r"et |ενα |ενοσ |nje )?"
)
_SIZE_OBJECT = (
    r"(?:lighter|briquet|mechero|accendino|aansteker|feuerzeug\w*|isqueiro|"
    r"zapalniczk\w*|зажигалк\w*|запальничк\w*|zazhigalk\w*|zapalnychk\w*|brichet\w*|thumb|pouce|"
    r"tandare\w*|zapalovac\w*|upaljac\w*|vzigalnik\w*|запалк\w*|αναπτηρ\w*|"
    r"tumme\w*|tommelfinger\w*|palec|palac|αντιχειρ\w*|"
    r"kveikjar\w*|þumal\w*|feierzeug\w*|упаљач\w*|прст\w*|gisht\w*|cakmak\w*|"
    r"finger|doigt|"
    r"dedo\w*|dito|polegar|pulgar|pollice|duim|kciuk\w*|palc\w*|deget\w*|палец|пальц\w*|"
    r"lipstick|rouge a levres|zippo|batom|rossetto|lippenstift|szmink\w*|помад\w*|matchbox|"
    r"pintalabios|usb[\s-]?(?:drive|stick)|cle usb|chiavetta usb|memoria usb|pendrive|car key|"
    r"stick of gum|pen cap|tapon)"
)
RISK = {
    "undetectable": [
        r"undetect(?:able|ed)",
        r"(?:quasi )?indetectables?",
        r"non rilevabil\w*",
        r"non (?:sono )?individuabil\w*",
        r"nicht (?:nachweisbar|erkennbar|detektierbar)",
        r"unauffindbar",
        r"nie ?wykrywaln\w*",
        r"(?:not|non|no|nicht|niet) (?:detectable|detectabil\w*|rilevabil\w*|detectavel|erkennbar)",
        r"необнаружим\w*",
        r"tespit edilemez",
        r"nedetectabil\w*",
        r"ondetecteerbaar",
        r"indetetave(?:l|is)",
        r"odetekterbar\w*",
        r"oupptackbar\w*",
        r"uop(?:p)?dag(?:e)?lig\w*",
        r"havaitsematon\w*",
        r"ei (?:ole )?havaittavissa",
        r"nezjistiteln\w*",
        r"nedetekovateln\w*",
        r"neodhaliteln\w*",
        r"eszlelhetetlen\w*",
        r"nem (?:eszlelhet\w*|detektalhat\w*)",
        r"kimutathatatlan\w*",
        r"neotkriv\w*",
        r"nezaznavn\w*",
        r"μη ανιχνευσιμ\w*",
        r"neaptinkam\w*",
        r"tuvastamatu\w*",
        r"i pazbulueshem",
        r"непомітн\w*",
        r"неоткрив\w*",
    ],
    "no_metal": [
        r"(?:no|zero|non|without(?: any)?|free of) metal(?: parts| content| frame)?",
        r"metal[\s-]?free",
        r"(?:no|zero)metal",
        r"(?:bijna )?geen metaal",
        r"kein(?:erlei)? metall",
        r"(?:virtually|almost|nearly) metal[\s-]?free",
        r"(?:low|minimal|little|minimum) metal(?: content)?",
        r"all metal content\b.{0,20}removed",
        r"sans (?:aucun )?metal",
        r"sin metal",
        r"ohne metall",
        r"metallfrei",
        r"senza metallo",
        r"sem metal",
        r"bez metalu",
        r"без металла",
        r"metalsiz",
        r"fara metal",
        r"zonder metaal",
        r"pochissimo materiale ferroso",
        r"(?:utan|uden|uten) metall?",
        r"ingen metall?(?:dele| delar)?",
        r"metallfri\w*",
        r"(?:ei|ilman) metallia",
        r"metalliton\w*",
        r"bez kov(?:u|ovych|ovych casti)",
        r"fem nelkul",
        r"femmentes\w*",
        r"bez metala",
        r"brez kovin\w*",
        r"без метал\w*",
        r"χωρισ μεταλλ\w*",
        r"be metalo",
        r"(?:ilma )?metallita",
        r"metallivaba\w*",
        r"pa metal\w*",
        r"(?:enginn malmur|an malms)",
        r"malmlaus\w*",
        r"ouni metall",
        r"sense metall",
        r"(?:peu|pas) de metal",
    ],
    "plastic": [
        r"(?:100 ?% |99[.,]?9*\s?% )?(?:plastic|plastique|plastico|plastik\w*|kunststoff\w*|"
        r"plastica|plastiku|plastyk\w*|пластик\w*|بلاستيك\w*)(?: (?:body|housing|shell|case))?",
        r"plast(?:ov\w*|ic\w*|icn\w*|skal\w*|hus\w*|kropp\w*)?",
        r"muovi\w*",
        r"plastkorpus\w*",
        r"muanyag\w*",
        r"πλαστικ\w*",
        r"пластмас\w*",
        r"materiales plasticos",
        r"materiale plastico",
        r"resine",
    ],
    "passes_security": [
        _EVADE + r"\s+(?:[\w'-]+\s+){0,3}?(?:" + _DETECT + ")",
        # Turkish puts the verb last: "x-ray ve kapida otmez" (does not beep at the gate)
        r"(?:xray|x ray|x-ray|kapi\w*|giris\w*|turnike\w*|dedektor\w*|guvenlik|tarayici\w*)\s+"
        r"(?:[\w'-]+\s+){0,3}?"
        r"(?:otmez|otmuyor|gecer|yakalanmaz|algilanmaz)",
    ],
    "smallest": [
        r"(?:world'?s |the )?(?:smallest|tiniest|lightest)(?: \w+){0,2}? (?:phone|mobile|cellphone|"
        r"cell phone|handset|gsm)s?",
        r"(?:le )?plus petit (?:telephone|portable|mobile)",
        r"(?:smallest|tiniest)(?:phone|mobile|cellphone)s?",
        r"(?:movil|telefono) mas peque[nñ]o",
        r"kleinste[snr]? (?:handy|telefon\w*)",
        r"(?:telefono|cellulare|telefonino) piu piccolo",
        r"najmniejsz\w* telefon\w*",
        r"сам\w* маленьк\w* (?:телефон|мобильн)\w*",
        r"en kucuk (?:cep )?telefon\w*",
        r"menor (?:celular|telefone)",
        r"(?:celular|telefone) mais pequeno",
        r"cel mai mic telefon",
        r"telefonul cel mai mic",
        r"kleinste (?:telefoon|gsm)",
        r"(?:minsta|mindste|minste) (?:mobil\w*|telefon\w*)",
        r"pienin (?:puhelin|kannyk|matkapuhelin)\w*",
        r"(?:nejmensi|najmensi)\w* (?:mobil|telefon)\w*",
        r"legkisebb (?:mobil|telefon)\w*",
        r"najmanj\w* (?:mobitel|telefon|mobilni)\w*",
        r"най[\s-]?малк\w* (?:телефон|мобилен|gsm)\w*",
        r"найменш\w* (?:телефон|мобільн|мобілк)\w*",
        r"(?:најмањ|најмал)\w* (?:телефон|мобилн|мобилен)\w*",
        r"(?:ا|أ)صغر (?:هاتف|جوال|موبايل|تليفون)",
        r"(?:koige )?(?:vaikseim|vaiksem)\w* (?:telefon|mobiil)\w*",
        r"(?:telefon|celular)\w* (?:me )?i vog(?:el|li)",
        r"me i vogli (?:telefon|celular)\w*",
        r"minnst\w* (?:simi|farsim)\w*",
        r"klengst\w* (?:handy|telefon)\w*",
        r"(?:el )?mes petit (?:mobil|telefon)\w*",
        r"(?:mobil|telefon) mes petit",
        r"(?:το )?μικροτερο (?:κινητο|τηλεφωνο)",
        r"maziausias (?:telefonas|mobilus)",
        r"mazakais (?:telefons|mobilais)",
    ],
    "size_of": [
        _SIZE_OF + r"\s*" + _SIZE_ARTICLE + _SIZE_OBJECT,
        # short words ("sa gishti": as big as a finger, SQ) only before a separate word
        r"(?:sa|si|madhesi\w* e|колку)\s+" + _SIZE_ARTICLE + _SIZE_OBJECT,
        r"lighter[\s-]?sized?",
        r"tommelstor\w*",
        r"tumstor\w*",
        # the noun before "-sized": FI, HU
        r"(?:sytyttimen|sytkarin|tupakansytyttimen|peukalon) kokoinen",
        r"(?:tulemasina|poidla|sorme) suurune",
        r"(?:ongyujto|huvelykujj)\w* meret\w*",
        r"(?:cakmak|parmak|ruj)\w* (?:boyu\w*|buyuklug\w*|kadar)",
        r"(?:two|deux|dos|zwei|due|dwa|twee|doi|dois) "
        r"(?:fingers|doigts|dedos|finger|dita|palce|vingers|degete)",
        r"с (?:палец|зажигалк\w*)",
        r"بحجم (?:ال)?(?:اصبع|إصبع|ولاعة|قداحة|ابهام|إبهام)\w*",
        r"thumb[\s-]?sized?",
        r"finger[\s-]?sized?",
        r"fingergro(?:ß|ss)\w*",
        r"lipstick[\s-]?sized?",
        r"usb[\s-]?(?:stick|drive)[\s-]?sized?",
    ],
    "prison_slang": [
        r"beat the b[o0]ss",
        r"knast[\s-]?(?:phone|handy)s?",
        r"telephones? (?:[«\"'] ?)?pouces?",
        r"tel pouces?",
        r"suppositoires?",
        r"mini[\s-]?pouces?",
        r"jail[\s-]?phones?",
        r"prison[\s-]?phones?",
        r"winzphone",
        r"bajes(?:mobiel|telefoon)\w*",
    ],
    "discreet": [
        r"(?:discreet|discrete|plain|neutral|unmarked|neutre|discret|discreto|diskret\w*|"
        r"neutrale?)\s+(?:packaging|package|parcel|shipping|delivery|emballage|envoi|livraison|"
        r"envio|versand|verpackung|spedizione|paket)",
        r"(?:livraison|envoi|envio|spedizione|"
        r"versand) (?:discrete?|discreto|diskret)",
    ],
}

# ---- accessories -------------------------------------------------------------------------------
ACCESSORY = [
    r"cases?",
    r"covers?",
    r"shells?",
    r"skins?",
    r"pouch(?:es)?",
    r"bags?",
    r"sleeves?",
    r"holders?",
    r"chargers?",
    r"(?:charging |usb |data )?cables?",
    r"adapt(?:e|o)rs?",
    r"(?:replacement )?batter(?:y|ies)",
    r"ear[\s-]?hooks?",
    r"screen[\s-]?protectors?",
    r"gehard glas",
    r"displayschutz\w*",
    r"protectors?",
    r"tempered glass",
    r"lanyards?",
    r"empty box",
    r"coques?",
    r"housses?",
    r"etuis?",
    r"chargeurs?",
    r"batteries?",
    r"batterie",
    r"adaptateurs?",
    r"crochets? d'oreille",
    r"protection d'ecran",
    r"verre trempe",
    r"fundas?",
    r"carcasas?",
    r"cargador(?:es)?",
    r"bateri(?:a|as|e)",
    r"adaptador(?:es)?",
    r"ganchos?",
    r"(?:schutz)?hulle",
    r"ladegerat",
    r"ladekabel",
    r"kabel",
    r"akkus?",
    r"ohrbugel",
    r"schutzfolie",
    r"panzerglas",
    r"custodi(?:a|e)",
    r"caricatore",
    r"caricabatterie",
    r"cavo",
    r"batteri(?:a|e)",
    r"adattatore",
    r"pellicola",
    r"capas?",
    r"capinhas?",
    r"carregador",
    r"cabo",
    r"pelicula",
    r"pokrowiec",
    r"ladowarka",
    r"akumulator",
    r"acumulator\w*",
    r"ersatzakku\w*",
    r"(?:screen|display|lcd|oled) (?:modules?|assembl(?:y|ies)|replacement)",
    r"replacement (?:display|screen|lcd)s?",
    r"display ?modul\w*",
    r"чехол\w*",
    r"чохл\w*",
    r"чохол",
    r"зарядн\w*",
    r"кабель",
    r"аккумулятор\w*",
    r"батаре\w*",
    r"kilif\w*",
    r"sarj aleti\w*",
    r"kablo\w*",
    r"batarya\w*",
    r"hoesjes?",
    r"hoes",
    r"oplader",
    r"accu",
    r"husa",
    r"incarcator",
    r"cablu",
    r"batterij",
    r"manuals?",
    r"user guides?",
    r"instructions?",
    r"notices?",
    r"livrets?",
    r"mode d'emploi",
    r"handleiding\w*",
    r"(?:bedienungs)?anleitung\w*",
    r"istruzioni",
    r"manuale",
    r"instrukcj\w*",
    r"manual de utilizare",
    r"инструкци\w*",
    r"kilavuz\w*",
    r"(?:ال)?دليل",
    r"علاق\w* (?:ال)?(?:اذن|أذن)",
    r"(?:ال)?خطاف\w*",
    r"(?:ال)?جراب",
    r"(?:ال)?غطاء",
    r"(?:ال)?شاحن",
    r"(?:ال)?بطارية",
    # SV DA NB FI CS SK HU HR SL BG EL ("skal" alone is also the Danish and Norwegian "shall")
    r"(?:mobil|silikon|telefon|plast)skal\w*",
    r"skalet",
    r"skal (?:till|for)",
    r"fodral\w*",
    r"laddare\w*",
    r"batteri\w*",
    r"skarmskydd\w*",
    r"etui\w*",
    r"lader",
    r"kuori\w*",
    r"suojakuori\w*",
    r"laturi\w*",
    r"akku\w*",
    r"kaapeli\w*",
    r"kryt\w*",
    r"pouzdr\w*",
    r"obal\w*",
    r"nabijac\w*",
    r"nabijec\w*",
    r"baterie",
    r"bateri[ij]\w*",
    r"tok(?:ja)?",
    r"tolto\w*",
    r"akkumulator\w*",
    r"maska",
    r"maskic\w*",
    r"futrol\w*",
    r"punjac\w*",
    r"polnilec\w*",
    r"калъф\w*",
    r"батери\w*",
    r"кабел\w*",
    r"θηκ\w*",
    r"laddkabel\w*",
    r"laddsladd\w*",
    r"kabeln",
    r"deksel\w*",
    r"orebojle\w*",
    r"oronkrok\w*",
    r"korvakouk\w*",
    r"hacik\w*",
    r"hacky",
    r"fulakaszto\w*",
    r"deklas",
    r"ikroviklis",
    r"kabelis",
    r"ladetajs",
    r"vacins",
    r"ovitek",
    r"φορτιστ\w*",
    r"μπαταρι\w*",
    r"καλωδι\w*",
    # ET SQ IS, SR and MK Cyrillic, UK
    r"laadija\w*",
    r"kaabel\w*",
    r"umbris\w*",
    r"kaitseklaas\w*",
    r"juhend\w*",
    r"karikues\w*",
    r"kabllo\w*",
    r"kellef\w*",
    r"hleðslutæk\w*",
    r"hulstur\w*",
    r"rafhl\w*",
    r"пуњач\w*",
    r"полнач\w*",
    r"футрол\w*",
    r"маска",
    r"кабл",
    r"захисн\w* скл\w*",
    r"плівк\w*",
    # spare parts
    r"spare parts?",
    r"(?:spare|replacement) (?:housing|keypad|shell)s?",
    r"housings?",
    r"keypad (?:set|membrane)s?",
    r"pieces detachees",
    r"recambios?",
    r"ersatzteile?",
    r"gehause",
    r"ricambi?",
    r"yedek (?:parca|kasa)\w*",
    r"kasa(?:si)?",
    r"tus takim\w*",
]
# Words that put an accessory after the phone it is for: Turkish postpositions ("BM10 icin kilif").
ACCESSORY_POSTCUE = [r"icin", r"uyumlu", r"ile uyumlu", r"jaoks"]
ACCESSORY_CUE = [
    r"for",
    r"pour",
    r"fur",
    r"para",
    r"per",
    r"do",
    r"icin",
    r"для",
    r"voor",
    r"pentru",
    r"compatible(?: with| avec| con| com)?",
    r"compatibil\w*",
    r"kompatibel\w*",
    r"fits",
    r"passend fur",
    r"till",
    r"til",
    r"pro",
    r"za",
    r"за",
    r"για",
    r"geeignet fur",
    r"fyrir",
    r"fir",
    r"replacement",
]
_ITEM = (
    r"(?:phones?|telephones?|handys?|telefon\w*|telefoons?|movil(?:es)?|celular|cellulare|телефон\w*|"
    r"device|unit|toestel|apparaat|aparelho|جوال|هاتف)"
)
# "without": a phone sold without its accessory, or an accessory sold without the phone.
_WITHOUT = r"(?:no|sans|sin|senza|sem|ohne|kein\w*|without|bez|без|zonder|fara)"
_NOT_INCL = (
    r"(?:not|non|no|nicht|nao|ne|не|nie|n'est pas|niet|nu)\s+"
    r"(?:(?:is|est|sont|ist|e|è|входит|в комплект)"
    r"\s+)*(?:included|inclus|incluse?|incluido|enthalten|incluso|incluido|incluso|входит|"
    r"dahil degil|inbegrepen|wliczony|inclus|acompanha|входить|vendue? avec|sold with)"
)
ACCESSORY_ONLY = [
    _ITEM + r"\s+(?:is\s+|est\s+|в\s+комплект\s+)?" + _NOT_INCL,
    r"key\s+" + _NOT_INCL,
    _WITHOUT + r"\s+(?:the\s+|het\s+)?"
    + _ITEM
    + r"(?:\s+included)?",
    _ITEM + r"\s+dahil degil\w*",
    r"(?:ال)?" + _ITEM + r"\s+غير مشمول",
    r"(?:only|just|juste|uniquement|seulement|solo|solamente|nur|только|лише|тільки|somente|apenas|tylko|"
    r"sadece|alleen|doar|ainult|vetem|aðeins|nemmen)\s+"
    r"(?:\w+\s+){0,1}?(?:" + "|".join(ACCESSORY) + r"|box|doos|boite|caja|scatola|caixa)",
    r"(?:ال)?(?:جراب|غطاء|شاحن|بطارية)\s+فقط",
    r"(?:nu contine|no contiene|non contiene|ne contient pas|nie zawiera|не содержит|does not contain|"
    r"doesn'?t contain|bevat geen|nao contem)\s+(?:(?:the|le|el|il|o|de|het)\s+)?" + _ITEM,
    r"(?:case|cover|cable|battery|shell|box|coque|housse|etui|funda|carcasa|hulle|kabel|akku|cavo|capa|"
    r"hooks?|protector|manual|charger|adapter)\s+(?:\w+\s+){0,2}?(?:only|alone|seule?|uniquement|seulement|solo|nur|"
    r"только|somente|apenas|tylko)",
    r"(?:endast|bara|kun|bare|vain|pelkka|pouze|jen|len|iba|csak|samo|само|μονο|tikai|tik)\s+"
    r"(?:\w+\s+){0,1}?(?:kabeln|kabel\w*|skal\w*|fodral\w*|laddare\w*|deksel\w*|etui\w*|oplader\w*|"
    r"bojlen|kuori\w*|laturi\w*|kryt\w*|obal\w*|nabijac\w*|tok\w*|tolto\w*|maska|punjac\w*|"
    r"hacik\w*|ladetajs|калъф\w*|θηκ\w*)",
    r"(?:medfolger|ingar|folger) (?:ikke|ej|inte|ei)",
    r"(?:ikke|ej|inte) (?:inkludert|inkluderet|medfolger|ingar)",
    r"ei sisally\w*",
    r"(?:neni|nie je|nije|ni) (?:soucast\w*|sucast\w*|v baleni|ukljucen\w*|vkljucen\w*)",
    r"nem (?:tartozek|resze)\w*",
    r"не е включен\w*",
    r"δεν περιλαμβαν\w*",
    r"neieina",
    r"ei (?:ole komplektis|kuulu komplekti)",
    r"nuk (?:perfshihet|eshte i perfshire)",
    r"nav ieklaut\w*",
    r"empty box",
    r"box only",
    r"boite vide",
    r"caja vacia",
    r"leere (?:ovp|verpackung|schachtel)",
    r"scatola vuota",
    r"caixa vazia",
    r"pusty karton",
    r"пустая коробка",
    r"lege doos",
    r"bos kutu",
    r"cutie goala",
    r"puste pudelko",
    r"no electronics",
]

# ---- hard negatives ----------------------------------------------------------------------------
# A wanted / buying ad leads its title with one of these: it offers nothing. (Not Dutch "koop" or
# "zoek": sellers write "Te koop" and "Zoek je ...?".)
WANTED = [
    r"wanted",
    r"wtb",
    r"buying",
    r"looking for",
    r"(?:re)?cherche",
    r"achete",
    r"busco",
    r"compro",
    r"suche",
    r"kaufe",
    r"gesucht",
    r"cerco",
    r"gezocht",
    r"kupie",
    r"szukam",
    r"procuro",
    r"cumpar",
    r"caut",
    r"куплю",
    r"ищу",
    r"ariyorum",
    r"alinir",
    r"kopes",
    r"kobes",
    r"ostan",
]
# News, reports, books and repair services about such phones: nothing is sold as a phone.
REPORT = [
    r"seized",
    r"seiz(?:e|es|ure)",
    r"found (?:hidden )?in (?:an? |the )?(?:prison |jail )?cells?",
    r"(?:trouves?|decouverts?) en cellule",
    r"(?:trovat[oi]|sequestrat[oi]) in cella",
    r"encontrad[oa]s? en (?:una |la )?celda",
    r"in (?:der|einer) zelle gefunden",
    r"indagat[oi]",
    r"arrest(?:ed|ato|ati)",
    r"incauta\w*",
    r"decomisa\w*",
    r"confiscated",
    r"smuggled",
    r"saisi(?:e|s|es)?",
    r"confisque(?:e|s|es)?",
    r"beschlagnahmt\w*",
    r"sequestrat[ioae]",
    r"incautad[oa]s?",
    r"decomisad[oa]s?",
    r"apreendid[oa]s?",
    r"in beslag genomen",
    r"skonfiskowan\w*",
    r"изъят\w*",
    r"documentar(?:y|ies|io|ios)",
    r"documentaire",
    r"newspapers?",
    r"zeitung",
    r"giornale",
    r"krant",
    r"gazet(?:a|te)",
    r"dokumentation",
    r"reportage",
    r"(?:phone|mobile|cellphone)s? repairs",  # not "spares or repairs", said of a faulty phone
    r"repairs? (?:shop|services?|centre|center)",
    r"repairs (?:to|of|for|on)",
    r"we repair",
    r"service de reparation",
    r"reparaturservice",
    r"servicio (?:tecnico|de reparacion)",
    r"servizio (?:di )?riparazion\w*",
    r"reparatieservice",
]
SMARTPHONE = [
    r"iphone(?:\s?\d+)?",
    r"galaxy",
    r"xperia",
    r"pixel \d\w*",
    r"redmi",
    r"xiaomi",
    r"huawei",
    r"oneplus",
    r"unihertz",
    r"jelly (?:pro|star|\d)",
    r"palm phone",
    r"rakuten",
    r"smartphones?",
    r"android(?: \d+(?:[.,]\d)?)?",
    r"esim",
    r"snapdragon",
    r"helio",
    r"amoled",
    r"retina",
    r"bionic",
    r"mi max",
    r"ios \d+",
    r"смартфон\w*",
    r"akilli telefon",
    r"chytr\w* telefon\w*",
    r"okostelefon\w*",
    r"alypuhelin\w*",
    r"pametn\w* telefon\w*",
]
LEGIT_PHONE = [
    r"nokia\s?(?:105|106|110|130|150|215|220|225|230|2660|2720|800|8110|6300)",
    r"3310 \(?(?:2017|3g|4g)",
    r"senior\w*",
    r"seniorenhandy",
    r"seniora",
    r"mayores",
    r"personnes agees",
    r"big buttons?",
    r"large buttons",
    r"grosses touches",
    r"teclas grandes",
    r"gro(?:ß|ss)en tasten",
    r"duzymi przyciskami",
    r"sos[\s-](?:button|taste|bouton|boton|botao)",
    r"(?:bouton|boton|botao|taste|button) sos",
    r"notruf\w*",
    r"hearing aid",
    r"horgerat\w*",
    r"audifonos",
    r"appareils auditifs",
    r"flip[\s-]?(?:phone|\d)",
    r"klapphandy",
    r"a clapet",
    r"clamshell",
    r"jitterbug",
    r"razr",
    r"go flip",
    r"doro",
    r"emporia",
]
TOY = [
    r"toys?",
    r"jouets?",
    r"juguetes?",
    r"spielzeug\w*",
    r"giocattol[oi]",
    r"brinquedos?",
    r"zabawk\w*",
    r"игрушк\w*",
    r"oyuncak",
    r"speelgoed",
    r"jucari\w*",
    r"replicas?",
    r"repliques?",
    r"dummy",
    r"attrappe",
    r"maquette",
    r"pretend play",
    r"charms?",
    r"pendants?",
    r"necklaces?",
    r"jewell?ery",
    r"bijoux?",
    r"colgantes?",
    r"halskette",
    r"collana",
    r"ciondolo",
    r"decoration",
    r"decorative",
    r"decorativ[oae]s?",
    r"ozdob\w*",
    r"decoratie\w*",
    r"decoratief",
    r"dekorati\w*",
    r"maket\w*",
    r"makiet\w*",
    r"муляж\w*",
    r"макет\w*",
    r"atrapas?",
    r"replik\w*",
    r"factices?",
    r"finto",
    r"fake phones?",
    r"для витрин\w*",
    r"vitrin icin",
    r"dekoracyjn\w*",
    r"deko",
    r"deco",
    r"anhanger",
    r"leksak\w*",
    r"legetoj\w*",
    r"leketoy\w*",
    r"lelu\w*",
    r"hrack\w*",
    r"igrack\w*",
    r"играчк\w*",
    r"παιχνιδ\w*",
    r"іграшк\w*",
    r"mangu\w*",
    r"lod(?:er|ra)\w*",
    r"leikfang\w*",
    r"spillsaach\w*",
    r"joguin\w*",
]
NOT_A_PHONE = [
    r"not a (?:real |working )?phone",
    r"kein (?:echtes )?(?:handy|telefon)",
    r"pas un (?:vrai )?telephone",
    r"no es un (?:telefono|movil)",
    r"non e un telefono",
    r"nao e um (?:telefone|celular)",
    r"(?:does|do|can) ?not make calls",
    r"cannot make calls",
    r"ne permet pas d'?appeler",
    r"non funziona come telefono",
    r"ne fonctionne pas comme (?:un )?telephone",
    r"no hace llamadas",
    r"keine anrufe",
    r"не телефон",
    r"nie jest (?:prawdziwym )?telefonem",
    r"не (?:является|є) (?:настоящим |справжнім )?телефоном",
    r"nu este (?:un )?telefon\w*",
    r"telefon degil\w*",
    r"is geen (?:echte )?telefoon",
    r"geen (?:echte|werkende) (?:telefoon|gsm|mobiel\w*)",
    r"kan niet bellen",
    r"ne peut pas (?:appeler|telephoner)",
    r"no puede (?:llamar|hacer llamadas)",
    r"kann nicht telefonieren",
    r"non puo (?:chiamare|telefonare)",
    r"nie (?:dzwoni|mozna dzwonic)",
    r"не звонит",
    r"arama yapamaz",
]
LIGHTER = [
    r"lighters?",
    r"briquets?",
    r"mecheros?",
    r"accendin[oi]",
    r"aanstekers?",
    r"feuerzeug\w*",
    r"isqueiros?",
    r"zapalniczk\w*",
    r"зажигалк\w*",
    r"cakmak",
    r"brichet\w*",
    r"tandare\w*",
    r"sytytin\w*",
    r"zapalovac\w*",
    r"ongyujto\w*",
    r"upaljac\w*",
    r"vzigalnik\w*",
    r"запалк\w*",
    r"αναπτηρ\w*",
]
# "Lighter shaped like a phone", "briquet en forme de téléphone": a shape cue near a lighter word.
SHAPED = [
    r"shaped?",
    r"(?:phone|mobile|cellphone|handy|telefon)[\s-]?(?:form|style|design)",
    r"look(?:s|ing)? like",
    r"en forme d[e']",
    r"(?:en|con) forma de",
    r"a forma di",
    r"em forma de",
    r"in (?:de )?vorm van",
    r"w ksztalcie",
    r"в (?:виде|форме)",
    r"seklinde\w*",
    r"gorunumlu",
    r"sub forma (?:de|unui)",
    r"(?:formad|formet) som",
    r"(?:ve|v) tvar(?:u|e)",
    r"alaku",
    r"(?:u|v) obli(?:ku|ki)",
    r"(?:во|у) облик\w*",
    r"в формі",
    r"във формата на",
    r"muotoinen",
    r"kujuline",
    r"ne forme",
    r"σε σχημα",
]
# "lighter than your keys": a comparison of weights, never the product.
LIGHTER_COMPARED = [r"lighter than", r"(?:much|even|way|far) lighter"]
LIGHTER_GAS = [r"butane?", r"refillable", r"nachfullbar", r"a gaz", r"de gas", r"recargable gas", r"gaz"]
GPS = [
    r"gps",
    r"trackers?",
    r"traceurs?",
    r"rastreador(?:es)?",
    r"localizador(?:es)?",
    r"locators?",
    r"ortung\w*",
    r"трекер\w*",
    r"lokalizator\w*",
    r"localizzatore",
    r"tracking",
]
EARPIECE = [
    r"earpieces?",
    r"headsets?",
    r"earphones?",
    r"ear ?buds?",
    r"oreillettes?",
    r"ecouteurs?",
    r"auricolar[ei]",
    r"auricular(?:es)?",
    r"kopfhorer",
    r"ohrhorer",
    r"наушник\w*",
    r"гарнитур\w*",
    r"kulaklik",
    r"oortjes?",
    r"sluchawk\w*",
    r"fones? de ouvido",
    r"fones? (?:bluetooth|bt|sem fio)",
    r"casca",
]
NO_SIM = [
    r"(?:no|not|without|sans|sin|senza|sem|ohne|kein\w*|bez|без|non|pas(?: de)?|nao|geen|nessun\w*|ningun\w*|"
    r"nenhum\w*|aucune?|brak|fara|zonder|utan|uden|uten|ilman|nie)\s+"
    r"(?:[\w']+\s+){0,3}?(?:sim|carte sim|tarjeta sim|scheda sim|sim[\s-]?kaa?rt\w*|karty sim|сим|chips?)"
    r"(?!\s?(?:lock|free|frei))"
]
NO_SCREEN = [
    r"(?:no|sans|pas d'?|sin|kein\w*|sem|without|nessun\w*)\s*(?:screen|display|ecran|pantalla|tela|"
    r"keypad|clavier|teclado|tastatur|schermo)"
]
SPY_CAMERA = [
    r"(?:spy|hidden|mini) (?:\w+ )?(?:cam|camera|kamera|camara)s?",
    r"(?:cam|camera|camara|kamera) "
    r"(?:espion|espia|spia|cachee|oculta|nascosta)",
    r"versteckte kamera",
    r"1080p",
    r"720p",
    r"dash ?cam",
    r"camera espion",
]
MINI_COOPER = [r"mini cooper", r"cooper s", r"mini (?:branded|countryman|clubman|one)"]
OTHER_PRODUCT = [
    r"power ?banks?",
    r"powerbank",
    r"batterie externe",
    r"portable charger",
    r"external battery",
    r"bateria externa",
    r"speakers?",
    r"glosni\w*",
    r"reproduktor\w*",
    r"hangszoro\w*",
    r"kaiutin\w*",
    r"hogtalare\w*",
    r"hoparlor\w*",
    r"enceintes?",
    r"altavoz",
    r"lautsprecher",
    r"altoparlante",
    r"luidspreker",
    r"колонк\w*",
    r"flash drive",
    r"thumb drive",
    r"usb stick",
    r"pendrive",
    r"cle usb",
    r"walkie[\s-]?talkies?",
    r"two[\s-]way radio",
    r"smart ?watch\w*",
    r"dvd",
    r"blu-ray",
    r"box set",
    r"faraday",
    r"rfid",
    r"signal blocking",
    r"radio scanner",
]
DETECTOR = [
    r"(?:metal|phone|signal|mobile|handy|cellphone|cell phone)[\s-]*(?:detectors?|detektor\w*)",
    r"metal detectors?",
    r"metalldetektor\w*",
    r"detecteurs? de metaux",
    r"detector(?:es)? de metales",
    r"rilevator\w* di metalli",
    r"portiques? (?:de securite|detecteurs?)",
    r"security gates?",
    r"jammers?",
    r"brouilleurs?",
    r"inhibidor(?:es)?",
    r"storsender",
    r"detector\w* (?:de |di |for )?(?:telefoane|telefonos|telemoveis|celulares|moviles|cellulari|phones)",
    r"(?:mobilfunk|handy|telefon|mobiel)detektor\w*",
    r"(?:phone |mobile |cell(?:phone)? )?detection systems?",
    r"systemes? de detection",
    r"sistemas? de (?:deteccion|detecao|deteccao)",
    r"sistem\w* di rilevamento",
    r"detektionssystem\w*",
    r"detectiesyste\w*",
    r"(?:security|detector|detection|scanner|metal) wands?",
]
CARD_PHONE = [r"card phone", r"credit[\s-]?card (?:size|sized)", r"ultra[\s-]?thin"]
KEYFOB = [
    r"key[\s-]?fob",
    r"car[\s-]?(?:remote[\s-]?)?keys?",
    r"car remotes?",
    r"porte[\s-]?cles?",
    r"cle de voiture",
    r"llave de coche",
    r"chiave auto",
    r"autoschlussel",
    r"chave de carro",
    r"chaveiro",
    r"portachiavi",
    r"schlusselanhanger",
    r"брелок\w*",
    r"ключ от машины",
    r"anahtarlik",
    r"key[\s-]?(?:chains?|rings?)",
    r"llave de (?:coche|carro|auto)",
    r"llaveros?",
    r"control de (?:auto|carro|coche)",
    r"chiave (?:della |dell'?)?(?:auto|macchina)",
    r"chave do carro",
    r"autosleutel\w*",
    r"sleutelhanger\w*",
    r"kluczyk\w*(?: samochodow\w*)?",
    r"breloc\w*",
    r"cheie (?:de )?masina",
    r"(?:araba|oto) anahtar\w*",
    r"автоключ\w*",
    r"ключ\w* (?:от |від )?(?:авто\w*|машин\w*)",
    r"(?:автомобильн|машинн)\w* ключ\w*",
    r"مفتاح سيار\w*",
    r"ريموت السيار\w*",
    r"bilnyckel\w*",
    r"bilnogle\w*",
    r"bilnokkel\w*",
    r"auton avai\w*",
    r"autonavai\w*",
    r"klic\w* od auta",
    r"kluc\w* od auta",
    r"autokulcs\w*",
    r"kulcstarto\w*",
    r"kljuc\w* (?:od )?(?:auta|avtomobila)",
    r"avto(?:mobilski)? kljuc\w*",
    r"autokljuc\w*",
    r"ключ\w* за кола",
    r"автомобилен ключ\w*",
    r"κλειδι (?:αυτοκινητου|αμαξιου)",
    r"autov(?:oti|otme)\w*",
    r"votmehoidja\w*",
    r"celes\w* (?:i )?makin\w*",
    r"billykil\w*",
    r"lyklakipp\w*",
    r"autos?schl(?:u|e)ssel\w*",
    r"кључ\w* (?:од )?(?:аута|кола|автомобил\w*)",
    r"клуч\w* (?:од )?(?:кола|автомобил\w*)",
    r"privez(?:ak|ci|ka|ku)\w*",
    r"привез(?:ак|ок|ци|ка|ку)\w*",
]
# Prison words: rare in listings, so the scan files them and the matcher reads what surrounds one.
PRISON_WORD = [_PRISON]
# A phone offered for use in prison ("telefoane mici pt penitenciar"), not phone credit or calls for
# inmates: before a prison word, a phone noun, perhaps one more word, then "for"; after it, Turkish
# "icin" then a phone noun.
PRISON_PURPOSE = (
    re.compile(
        PHONE + r"(?:\s+(?!credit|card|minutes|calls|top)[\w'-]+)?\s+"
        r"(?:for|pour|para|pra|fur|furs|per|pt|pentru|voor|do|для|na|на|в)\s+"
        r"(?:the |de |la |le |il |i |gli |el |al |lo |het |den |die |der |o |a |em |w |в )?$"
    ),
    re.compile(r"^\s+(?:icin|uygun)\s+(?:[\w'-]+\s+){0,2}?" + PHONE),
)
# "pair with your smartphone", "headset for your iPhone or Android": a smartphone named as the
# thing the mini phone pairs with is not a smartphone listing.
PAIRING_CUE = re.compile(
    r"(?<!\w)(?:for|with|your|from|via|pour|avec|votre|ton|au|fur|furs|zum|ans|mit|ihr\w*|dein\w*|para|"
    r"con|per|tu|"
    r"su|al|allo|alla|col|com|ao|seu|voor|met|je|jouw|uw|do|ze|cu|la|"
    r"к|с|со|для|через|без|"
    r"without|sans|sin|senza|sem|ohne|bez|zonder|fara|utan|uden|uten|ilman|brez|χωρισ|"
    r"till|til|med|pro|για|με|"
    r"compatible\w*|pairs?|paired|pairing|abbina\w*|koppel\w*|verbind\w*|conecta\w*|collega\w*|"
    r"emparej\w*|jumel\w*|смартфон\w*)\W+(?:\w+\W+){0,3}$"
)

# "... or Android": a smartphone that follows one named as what the phone pairs with; Turkish puts
# the cue after ("iPhone veya Android ile eslesir").
PAIRING_CHAIN = re.compile(
    r"^\W*(?:or|and|ou|et|o|y|e|oder|und|of|en|lub|i|или|и|veya|ve|sau|si|ali|eller)\W+(?:\w+\W+)?$"
)
PAIRING_POSTCUE = re.compile(r"^\W+(?:\w+\W+){0,3}?(?:ile|uyumlu)(?!\w)")
# "calls without a phone", "llama sin movil": a phone that works on its own, not an accessory sold
# without its phone. Read before a "without ..." span of `accessory_only`.
STANDALONE_CUE = re.compile(
    r"(?<!\w)(?:calls?|calling|works?|working|llam\w*|liga\w*|telefonier\w*|anruf\w*|appel\w*|chiam\w*|"
    r"dzwon\w*|bel(?:t|len)|funcion\w*|fonctionn\w*|funktionier\w*|funzion\w*|dziala\w*|werkt|"
    r"звон\w*|работа\w*|suna\w*|suni|apel\w*|arama)\W+(?:\w+\W+){0,3}$"
)
# "not a toy", "no es un juguete", "kein Spielzeug", "oyuncak degil": a negative word denied.
NEGATION_BEFORE = re.compile(
    r"(?<!\w)(?:not|no|non|isn'?t|kein\w*|geen|pas|nao|nie|nu|niet|nicht|не|ни|ei|ne)\W+(?:\w+\W+){0,2}$"
)
NEGATION_AFTER = re.compile(r"\W*(?:degil|değil)(?!\w)")
WITHOUT_START = re.compile(_WITHOUT + r"\s")
# "phone + charger + earphones", "with earphones and charger": earphones in the box of a phone.
BUNDLE_CUE = re.compile(
    r"(?:\+|&|(?<!\w)(?:with|and|incl\w*|plus|avec|et|mit|und|con|e|y|com|met|en|z|i|ve|cu|si|с|и))"
    r"\W+(?:\w+\W+){0,3}$"
)

_CLASSES = {
    "mini_phone": MINI_PHONE,
    "phone_word": PHONE_WORD,
    "sim": SIM,
    "net2g": NETWORK_2G,
    "net4g": NETWORK_4G,
    "bt_dialer": BT_DIALER,
    "voice_changer": VOICE_CHANGER,
    "accessory": ACCESSORY,
    "accessory_cue": ACCESSORY_CUE,
    "accessory_postcue": ACCESSORY_POSTCUE,
    "accessory_only": ACCESSORY_ONLY,
    "smartphone": SMARTPHONE,
    "legit_phone": LEGIT_PHONE,
    "toy": TOY,
    "not_a_phone": NOT_A_PHONE,
    "lighter": LIGHTER,
    "lighter_gas": LIGHTER_GAS,
    "lighter_compared": LIGHTER_COMPARED,
    "shaped": SHAPED,
    "bulk_lot": BULK_LOT,
    "gps": GPS,
    "earpiece": EARPIECE,
    "no_sim": NO_SIM,
    "no_screen": NO_SCREEN,
    "spy_camera": SPY_CAMERA,
    "mini_cooper": MINI_COOPER,
    "other_product": OTHER_PRODUCT,
    "detector": DETECTOR,
    "card_phone": CARD_PHONE,
    "keyfob": KEYFOB,
    "wanted": WANTED,
    "report": REPORT,
    "prison_word": PRISON_WORD,
}
# "for_prison" is read by the matcher around a PRISON_WORD (see `PRISON_PURPOSE`), not scanned.
RISK_CLASSES = (*RISK, "for_prison")
VOCAB = VocabIndex({**_CLASSES, **{"risk_" + name: frags for name, frags in RISK.items()}})

SEARCH_TERMS = (
    "mini phone",
    "smallest phone",
    "thumb phone",
    "bluetooth dialer phone",
    "key fob phone",
    "mini téléphone",
    "téléphone miniature",
    "mini móvil",
    "minimóvil",
    "Mini Handy",
    "kleinstes Handy",
    "mini cellulare",
    "microcellulare",
    "mini telefoon",
    "mini celular",
    "mini telefon",
    "мини телефон",
    "mini cep telefonu",
)


def search_queries(catalog: Catalog) -> list[str]:
    """Marketplace search terms: every device's primary name plus the multilingual term list."""
    queries: list[str] = []
    for device in catalog.devices:
        if device.family != "keyfob":
            queries.append(device.name)
    queries.extend(SEARCH_TERMS)
    seen: set[str] = set()
    return [q for q in queries if not (q.casefold() in seen or seen.add(q.casefold()))]
