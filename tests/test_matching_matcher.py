"""Matcher behaviour on hand-written listings (not dev-set lines): names, obfuscations,
unnamed positives, each hard-negative class, accessories, and batch == single."""

from __future__ import annotations

import json
import os
import time
from functools import partial
from pathlib import Path

import pytest

from matching import MATCHER_VERSION, Matcher, get_matcher
from matching.bench import bench_matcher, synthetic_listings
from matching.matcher import PARALLEL_MIN


@pytest.fixture(scope="module")
def matcher():  # type: ignore[no-untyped-def]
    return get_matcher()


@pytest.mark.parametrize(
    ("title", "description", "device"),
    [
        ("L8STAR BM10 mini telefono", "", "l8star-bm10"),
        ("Telefonino B M 1 0 doppia SIM", "2G, Bluetooth", "l8star-bm10"),
        ("BM-10s Mini Phone dual sim", "", "l8star-bm10"),
        ("Mini handy L8 star BM-70", "", "l8star-bm70"),
        ("Zanko Fly micro phone", "", "zanco-fly"),
        ("Zancoo Fly micro phone 2G", "", "zanco-fly"),
        ("Zanco Tiny-T2 mini phone 3G", "", "zanco-tiny-t2"),
        ("LONG CZ J-8 mini telefon", "", "long-cz-j8"),
        ("GT-Star BM-50 Bluetooth dialer with SIM slot", "", "gtstar-bm50"),
    ],
)
def test_named_models(matcher, title: str, description: str, device: str) -> None:  # type: ignore[no-untyped-def]
    result = matcher.score_listing(title, description)
    assert result.flagged and result.device_id == device, result.reason_texts()


@pytest.mark.parametrize(
    ("title", "description"),
    [
        ("Handy winzig 2G", "Kleiner als ein Feuerzeug. 19 Gramm, Plastikgehäuse, Micro-SIM."),
        ("Tiny GSM phone", "Size 2.5 x 0.9 x 0.5 inches, 0.6 oz, 2G only, no metal parts."),
        ("Mini telefon komórkowy", "Najmniejszy telefon, 20 g, 2G, karta SIM."),
        ("Mini cep telefonu", "Metalsiz, 2G, 18 g."),
        ("Car key style mobile phone", "Quad band GSM, 1 inch screen, SIM card."),
    ],
)
def test_unnamed_positives(matcher, title: str, description: str) -> None:  # type: ignore[no-untyped-def]
    result = matcher.score_listing(title, description)
    assert result.flagged, result.reason_texts()
    assert result.device_name in ("unidentified mini phone", "Key-fob phone (car-key style)")


@pytest.mark.parametrize(
    ("title", "description"),
    [
        ("Apple iPhone 12 mini 256GB Purple", "Very good condition."),  # smartphone mini
        ("Samsung Galaxy J8 2018 64GB", "Dual SIM."),  # J8 collision
        ("Xiaomi BM50 replacement battery 5300mAh", "For Mi Max 2."),  # battery code collision
        ("Funda de silicona para L8star BM10", "Solo la funda."),  # accessory naming a device
        ("Chargeur USB pour mini téléphone BM70", ""),
        ("Mini GPS tracker with SIM card, real-time locator", "No screen."),
        ("Wireless headset earpiece mini", "Does not accept a SIM card."),
        ("Toy mobile phone for toddlers, mini", "Music and lights, not a real phone."),
        ("Phone-shaped butane lighter, mini cellphone design", "Refillable."),
        ("Spy camera car key fob 1080p", "Hidden camera, not a phone."),
        ("Key fob shell cover for VW", "Shell only."),
        ("Walk-through metal detector for prisons", "Security gate, 18 zones."),
        ("Mini Cooper key ring phone holder", ""),
        ("Nokia 105 mobile phone black", "1000 mAh, 1.8 inch display."),
        ("Powerbank lipstick mini 2600mAh", "Charges any phone."),
    ],
)
def test_hard_negatives(matcher, title: str, description: str) -> None:  # type: ignore[no-untyped-def]
    result = matcher.score_listing(title, description)
    assert not result.flagged and result.device_id is None, result.reason_texts()


# Word forms, languages and phrasings the vocabulary was widened for: each rule, not a listing.
@pytest.mark.parametrize(
    ("title", "description", "device"),
    [
        # a smartphone named as what the phone pairs with, or as not needed, is not a smartphone
        (
            "L8star BM70 mini telefoon",
            "Koppel hem met je smartphone via bluetooth, eigen simkaart.",
            "l8star-bm70",
        ),
        (
            "L8star BM90 mini telefonino",
            "Si collega allo smartphone in bluetooth, SIM inclusa.",
            "l8star-bm90",
        ),
        ("GTStar BM50 телефон-гарнитура", "Своя сим-карта, звонки без смартфона.", "gtstar-bm50"),
        # a detector or a gate named in an evasion claim is a claim, not a detector for sale
        ("Lotto 5 mini cellulari", "Non rilevabili dai metal detector, quasi tutto plastica.", None),
        ("Mini telefon plastikowy", "Przechodzi przez bramki bez problemu, 2G.", None),
        ("Mini téléphone portable noir", "Passe les portiques de sécurité, 18 grammes.", None),
        ("Pachet 3 telefoane mini", "Nedetectabile, trec de portile de securitate.", None),
        # a lighter named as a size is a size claim
        ("Mini téléphone format briquet", "Appels et SMS, 2G.", None),
        ("Mini cellulare formato accendino", "Dual SIM, 2G.", None),
        # phones shaped like a car key, in more languages
        ("Telefon komórkowy w kształcie kluczyka", "Karta SIM, kolorowy ekran.", "keyfob-phone"),
        ("Celular forma de llave de carro", "Funciona con chip, pantalla a color.", "keyfob-phone"),
        ("Araba anahtarı şeklinde telefon", "SIM kartlı, GSM.", "keyfob-phone"),
        ("Telefon în formă de cheie de mașină", "Cartelă SIM, ecran color.", "keyfob-phone"),
        # small-phone wording: diminutives, plurals, "little", a look-alike zero
        ("Miniaturowy telefonik 2G", "Malutki, bez metalu.", None),
        ("Set 4 telefoane mini", "Nedetectabile, 2G.", None),
        ("little phones thumb size", "2g only, calls n texts, no camera", None),
        ("L8star BM9O mini phone", "Dual SIM, voice changer.", "l8star-bm90"),
        ("Мини телефон ВМ70 (кириллицей)", "Две сим-карты.", "l8star-bm70"),  # Cyrillic look-alikes
        ("Móvil pequeñito 2G", "Funciona con cualquier tarjeta SIM.", None),  # singular "móvil"
        ("Handy winzig, neu", "So groß wie ein Feuerzeug, 2G, Plastik.", None),
        ("Tiny pocket mobile 2G dual SIM", "Lighter than your car keys, plastic body.", None),
        ("Discador Bluetooth com chip, mini telefone", "Funciona sozinho com chip próprio.", None),
        ("Oreillette avec emplacement carte SIM, mini portable", "Numéroteur Bluetooth, 2G.", None),
        ("Lot de 4 mini téléphones HS pour pièces", "2G, vendus en l'état.", None),
        # a lighter that is neither the title's head, nor shaped like a phone, nor on gas is a size
        ("Mini telefon, 2G, dual SIM", "Mały jak zapalniczka, plastik, 20 g.", None),
        ("Çakmak boyutunda mini telefon", "Çift hat, 2G, plastik gövde.", None),
        ("Minihandy so klein wie ein Feuerzeug", "Dual SIM, 2G.", None),
        ("Мини телефон Л8стар БМ10", "Две сим-карты, 2G.", "l8star-bm10"),  # Cyrillic spelling
        ("GT Star BM-50 Headset-Handy mit SIM", "Auch als Wählgerät fürs Smartphone.", "gtstar-bm50"),
        ("Telefon de mărimea unui deget", "Telefon mini, 2G, cartelă SIM.", None),  # finger, Romanian
        ("Telefon mini cât o brichetă", "2G, plastic.", None),
        ("Telemóvel do tamanho de um polegar", "Só 2G, mini telemóvel.", None),
        ("Küçük telefon", "Plastik gövde, x-ray ve güvenlik kapısında ötmez, 2G, mini telefon.", None),
        ("هاتف صغير بحجم الإصبع", "جوال صغير، بلاستيك، 2G", None),
        ("Job lot of mini mobiles, beat the b0ss", "", None),
        ("Telefoane mici pentru penitenciar, 2 buc", "2G, plastic.", None),  # offered for prison
        ("Small phones for jail, plastic", "2G, calls and texts, 20 g.", None),
        # inflected "smallest phone" (Turkish accusative, Polish and Russian diminutives) and a
        # Turkish gate claim read at the entrance; transliterated Ukrainian "the size of a lighter"
        ("Dünyanın en küçük telefonu", "Plastik gövde, cezaevi girişinde ötmez.", None),
        ("Najmniejszy telefonik świata", "Plastikowa obudowa, 2G.", None),
        ("Самый маленький телефончик в мире", "Пластиковый корпус, 2G.", None),
        ("Mini telefon rozmirom z zapalnychku", "Plastykovyi korpus, 2 SIM.", None),
        # beyond the languages: unnamed mini phones in SV DA NB FI CS SK HU HR SL BG EL
        ("Minimobil – världens minsta telefon", "Nästan helt i plast, 20 g, 2G.", None),
        ("Verdens mindste mobiltelefon", "Ingen metal, størrelse som en lighter.", None),
        ("Liten mobil til fengsel", "Uten metall, går gjennom metalldetektor.", None),
        ("Maailman pienin puhelin", "Ei metallia, menee läpi metallinpaljastimen. 19 grammaa.", None),
        ("Nejmenší mobil na světě", "Bez kovu, projde detektorem, váha 18 gramů.", None),
        ("A világ legkisebb mobiltelefonja", "Fém nélkül, műanyag ház, öngyújtó méretű.", None),
        ("Najmanji mobitel na svijetu", "Bez metala, prolazi kroz detektor, za zatvor.", None),
        ("Най-малкият телефон в света", "Без метал, пластмасов корпус, 20 грама.", None),
        ("Μίνι κινητό – το μικρότερο κινητό στον κόσμο", "Μέγεθος αναπτήρα, 20 γραμμάρια, πλαστικό.", None),
        ("Tumstor mobil med två SIM", "Går genom metalldetektorer, 21 g.", None),  # "passes" in Swedish
        ("Skal sælges: mini mobil BM10", "Næsten ny, 18 g.", "l8star-bm10"),  # DA "skal": shall, not a case
        ("Minitelefon som ser ut som en bilnyckel", "Fungerar med alla SIM-kort.", "keyfob-phone"),
        ("Puhelin auton avaimen muodossa, mini", "Toimii SIM-kortilla.", "keyfob-phone"),
        (
            "GTStar BM50 κινητό-ακουστικό με κάρτα SIM",
            "Bluetooth dialer, λειτουργεί χωρίς smartphone.",  # "without a smartphone"
            "gtstar-bm50",
        ),
    ],
)
def test_generalised_positives(matcher, title: str, description: str, device: str | None) -> None:  # type: ignore[no-untyped-def]
    result = matcher.score_listing(title, description)
    assert result.flagged and result.device_id == device, result.reason_texts()


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("Найменший телефон у світі", "risk_smallest"),  # UK
        ("Најмањи телефон на свету", "risk_smallest"),  # SR, Cyrillic
        ("Најмал мобилен телефон", "risk_smallest"),  # MK
        ("أصغر هاتف في العالم", "risk_smallest"),  # AR
        ("اصغر موبايل", "risk_smallest"),
        ("ميني هاتف بحجم الإصبع", "mini_phone"),  # AR: "mini" before the noun
        ("موبايل صغير جدا", "mini_phone"),
        ("Малък телефон с две SIM карти", "mini_phone"),  # BG
        ("Маленький телефон, две сим-карты", "mini_phone"),  # RU
        ("Маленька мобілка", "mini_phone"),  # UK
    ],
)
def test_small_and_smallest_phone_words(matcher, title: str, code: str) -> None:  # type: ignore[no-untyped-def]
    result = matcher.score_listing(title, "2G, 20 g.")
    assert code in {r.code for r in result.reasons}, result.reason_texts()


@pytest.mark.parametrize(
    ("title", "description"),
    [
        ("Zanco tiny t2 için silikon kılıf", ""),  # Turkish: the accessory after "for"
        ("L8star BM10 ile uyumlu şarj kablosu", ""),
        ("Lege doos van een L8star BM10", "Zonder toestel."),
        ("غطاء سيليكون لجوال Zanco tiny t1", "الغطاء فقط"),
        ("Funda para mini celular BM10", "Solo la funda, no incluye el teléfono."),
        ("Capinha para mini celular BM70", "Somente a capinha, o aparelho não acompanha."),
        ("Câble de charge pour mini téléphone BM10 / BM30 / BM70", "Câble seul."),  # several models
        ("Чохол для міні телефону Zanco tiny t2", "Лише чохол."),
        ("Breloczek mini telefon – ozdoba", "Nie jest telefonem."),
        ("Bedienungsanleitung für Mini Handy BM10", "Gedruckt, 20 Seiten."),  # manuals
        ("Instrukcja obsługi do mini telefonu Zanco tiny t1", "Nie zawiera telefonu."),
        ("Sleutelhanger mini telefoontje", "Decoratief, kan niet bellen."),
        ("Муляж телефона Zanco tiny t1", "Макет для витрины."),  # dummies
        ("Atrapa de mini móvil BM10", "Réplica para escaparate."),
        ("For Zanco tiny t1 mini phone silicone case cover", ""),  # a title led by "for"
        ("Phone credit for inmates, 10 EUR", "Top up for prison calls."),  # calls, not a phone
        ("Screenprotector voor Zanco tiny t1", "Telefoon niet inbegrepen."),
        ("Cep telefonu şeklinde çakmak", "USB şarjlı, hediyelik."),  # shaped like a phone
        ("Zapalniczka mini telefon", "Prezent."),  # the lighter leads the title
        ("Retro brick phone novelty lighter", "Refillable with butane."),
        ("Skal till mini telefon BM10", "Svart silikon."),  # SV: a case "for" the phone
        ("Kryt pro mini telefon BM10", "Silikonový obal."),  # CS
        ("Laturi mini puhelin BM10", "USB-kaapeli."),  # FI: a charger leads the title
        ("Θήκη για μίνι κινητό BM10", "Σιλικόνη."),  # EL
        ("Калъф за мини телефон BM10", "Силикон."),  # BG
        ("Leksak mobiltelefon mini", "För barn från 3 år."),  # SV toy
        ("Tändare mobiltelefon mini", "Påfyllbar."),  # a lighter leads the title
        ("Okostelefon mini 4G", "Android 13, 64 GB."),  # HU smartphone
        ("USB-kabel BM10 mini telefon", "Endast kabeln, 1 m."),  # SV: "only the cable"
        ("Hörlursbygel BM70 mini telefon", "Telefonen ingår inte."),  # "not included"
        ("Oplader BM10 mini telefon", "Telefonen medfølger ikke."),  # DA
        ("Laturi BM10 minipuhelimeen", "Puhelin ei sisälly."),  # FI
        # ET SQ IS, SR and MK Cyrillic, UK; spare parts
        ("Mini telefoni BM10 jaoks ümbris", "Ainult ümbris, telefon ei ole komplektis."),  # ET "for" after
        ("Karikues për mini telefon BM10", "Vetëm karikuesi."),  # SQ
        ("Hleðslutæki fyrir mini síma BM10", "USB."),  # IS
        ("Пуњач за мини телефон BM10", "Само пуњач."),  # SR
        ("Футрола за мини телефон BM70", "Силикон."),  # MK
        ("Захисне скло для міні телефону BM10", "Тільки скло."),  # UK
        ("Spare housing and keypad for BM10 mini phone", "Phone not included."),
        ("BM70 mini telefon için yedek kasa", "Sadece kasa."),  # TR spare housing
        ("Іграшковий міні телефон", "Для дітей, пластик."),  # UK toy
        ("Porte-clés mini téléphone déco", "Objet de décoration, 4 cm."),  # a keyring, decoration
    ],
)
def test_generalised_accessories(matcher, title: str, description: str) -> None:  # type: ignore[no-untyped-def]
    result = matcher.score_listing(title, description)
    assert not result.flagged, result.reason_texts()


def test_naming_several_models_counts_as_naming_one(matcher) -> None:  # type: ignore[no-untyped-def]
    both = matcher.score_listing("Lot 2 mini phones L8star BM10 + L8star BM70", "")
    one = matcher.score_listing("Lot 2 mini phones L8star BM10", "")
    assert both.flagged and both.device_id is None  # a mixed lot: no single device
    points = [r.points for r in both.reasons if r.code == "device"]
    assert sorted(points) == [0.0, 55.0] and both.score == one.score


def test_result_shape_and_spans(matcher) -> None:  # type: ignore[no-untyped-def]
    title, desc = "L8star BM10 Mini Phone", "Size: 68*28*13mm, 350mAh, undetectable"
    result = matcher.score_listing(title, desc, {"Weight": "15 g"})
    assert result.tier == "high" and result.score == 100 and result.matcher_version == MATCHER_VERSION
    assert result.catalog_version == matcher.catalog.version
    by_code = {r.code: r for r in result.reasons}
    assert by_code["device"].span == (0, 11) and by_code["device"].field == "title"
    dims = by_code["spec_dims"]
    assert dims.field == "description" and desc[dims.span[0] : dims.span[1]] == "68*28*13mm"
    assert by_code["light"].field == "attributes" and by_code["light"].excerpt == "15 g"
    assert json.loads(json.dumps(result.to_dict()))["device_id"] == "l8star-bm10"


def _varied_sample(shared_dir: Path) -> list[tuple[str, str]]:
    rows = [
        json.loads(line)
        for line in (shared_dir / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
        if line
    ]
    dev = [(r["title"], r["description"]) for r in rows]
    edge = [
        ("", ""),
        ("BM10", ""),
        ("", "Size: 68*28*13mm, 15 g"),
        ("ǅ İ ß ﬁ B.M-1 0s", "ΐ 6,8 x 2,8 cm"),
        ("Mini téléphone ultra-petit", "Taille d'un briquet, sans métal, 0,66\" OLED"),
    ]
    return synthetic_listings(600, seed=11) + dev + edge


def test_score_many_equals_score_listing(matcher, shared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    sample = _varied_sample(shared_dir)
    many = matcher.score_many(sample + sample[:50])
    assert many == [matcher.score_listing(t, d) for t, d in sample + sample[:50]]
    assert all(again is first for again, first in zip(many[len(sample) :], many[:50], strict=True))


def test_parallel_score_many_equals_score_listing(shared_dir: Path) -> None:
    catalog = get_matcher().catalog
    parallel = Matcher(catalog, parallel_min=100)  # small threshold: exercise the helper process
    sample = _varied_sample(shared_dir) * 3 + synthetic_listings(3_000, seed=12)
    many = parallel.score_many(sample)
    assert parallel._parallel is not None and parallel._parallel.alive()
    assert many == [parallel.score_listing(t, d) for t, d in sample]
    parallel._parallel.close()


def test_score_stream_reads_as_it_goes_and_scores_attributes_in_helpers() -> None:
    """Results come out, in order and equal to scoring one by one (attributes included), while
    most of the input is still unread; the helper process scores a share of the blocks."""
    catalog = get_matcher().catalog
    parallel = Matcher(catalog, parallel_min=100)
    pairs = synthetic_listings(6_000, seed=14)
    listings = [
        (t, d, {"Size": "68x28x13 mm", "Weight": f"{13 + i % 9} g"} if i % 3 else None)
        for i, (t, d) in enumerate(pairs)
    ]
    read = [0]

    def source():  # type: ignore[no-untyped-def]
        for listing in listings:
            read[0] += 1
            yield listing

    stream = parallel.score_stream(source())
    first = next(stream)
    assert read[0] < len(listings) // 2
    results = [first, *stream]
    assert read[0] == len(listings)
    assert results == [parallel.score_listing(*listing) for listing in listings]
    assert any(r.reasons[0].field == "attributes" for r in results if r.reasons)
    assert parallel._parallel is not None and parallel._parallel.alive()
    parallel._parallel.close()


def test_an_abandoned_stream_leaves_the_helpers_usable() -> None:
    catalog = get_matcher().catalog
    parallel = Matcher(catalog, parallel_min=100)
    listings = [(t, d, None) for t, d in synthetic_listings(4_000, seed=15)]
    stream = parallel.score_stream(listings)
    assert [next(stream) for _ in range(10)] == [parallel.score_listing(t, d) for t, d, _ in listings[:10]]
    stream.close()
    pool = parallel._parallel
    assert pool is not None and pool.alive()
    pairs = [(t, d) for t, d, _ in listings]
    assert parallel.score_many(pairs) == [parallel.score_listing(t, d) for t, d in pairs]
    assert parallel._parallel is pool  # the same helpers, still in step with the parent
    pool.close()


def test_a_helper_dying_mid_stream_costs_no_result() -> None:
    catalog = get_matcher().catalog
    parallel = Matcher(catalog, parallel_min=100)
    listings = [(t, d, None) for t, d in synthetic_listings(5_000, seed=16)]
    stream = parallel.score_stream(listings)
    results = [next(stream) for _ in range(200)]
    assert parallel._parallel is not None
    for helper in parallel._parallel._helpers:
        helper._proc.kill()
    results += stream
    assert results == [parallel.score_listing(t, d) for t, d, _ in listings]
    assert not parallel._parallel.alive()  # replaced on the next large batch


def _task_and_pid(matcher: Matcher, task: int) -> tuple[int, int, str]:
    time.sleep(0.01)
    return task, os.getpid(), matcher.catalog.version


def test_run_tasks_shares_the_tasks_with_the_helpers_and_keeps_their_order() -> None:
    matcher = Matcher(get_matcher().catalog, parallel_min=10)
    local = partial(_task_and_pid, matcher)
    outcomes = list(matcher.run_tasks(_task_and_pid, range(40), 10, local))
    assert [task for task, _, _ in outcomes] == list(range(40))
    assert {version for _, _, version in outcomes} == {matcher.catalog.version}  # the same catalog
    pids = {pid for _, pid, _ in outcomes}
    assert os.getpid() in pids and len(pids) >= 2  # done here and in a helper process
    few = list(Matcher(get_matcher().catalog, parallel_min=10).run_tasks(_task_and_pid, range(5), 9, local))
    assert {pid for _, pid, _ in few} == {os.getpid()}  # below parallel_min: all here
    assert matcher._parallel is not None
    matcher._parallel.close()


def test_small_batches_stay_in_process() -> None:
    matcher = Matcher(get_matcher().catalog)
    matcher.score_many(synthetic_listings(PARALLEL_MIN - 1, seed=4))
    assert matcher._parallel is None


def test_bench_reports_rates() -> None:
    report = bench_matcher(n=2000, seed=3, rounds=2)
    assert report["n"] == 2000 and report["cpu_count"] >= 1 and report["rounds"] == 2
    assert report["ours_per_s"] == max(report["ours_rounds_per_s"]) and len(report["ours_rounds_per_s"]) == 2
    assert report["ratio"] == pytest.approx(report["ours_per_s"] / report["naive_per_s"], rel=0.01)
    assert 250 <= report["avg_chars"] <= 380
    scored = get_matcher().score_many(synthetic_listings(2000, seed=3))
    assert report["flagged"] == sum(r.flagged for r in scored)


def test_bench_report_shows_the_matcher_and_command_rates(tmp_path: Path) -> None:
    from crawler.bench import bench_match_cli, bench_rescore_cli, render_report

    cli = bench_match_cli(300, rounds=1, progress=lambda _: None)
    assert cli["n"] == 300 and cli["per_s"] > 0
    rescore = bench_rescore_cli(600, rounds=1, progress=lambda _: None)
    assert rescore["n"] == 600 and rescore["per_s"] > 0
    assert rescore["summary"].startswith("600 listings re-scored") and rescore["moved"] > 0
    matcher = bench_matcher(n=1000, seed=3, rounds=1) | {"cli": cli, "rescore": rescore}
    side = {"pages": 10, "items": 9, "wall_s": 1.0, "pages_per_s": 10.0, "cpu_s_per_1000_pages": 5.0}
    slower = side | {"pages_per_s": 6.0}
    crawl = {"listings": 100, "rounds": 1, "bare": side, "first": slower, "recrawl": side}
    crawl |= {"round_ratios": {"first": [0.6], "recrawl": [1.0]}}
    report = render_report(crawl | {"ratio": 0.6, "recrawl_ratio": 1.0}, matcher)
    assert "First crawl at **60%** of bare Scrapy's pages/s (target: at least 70%: NOT met)" in report
    assert "recrawl at **100%** (met)" in report
    assert "them): first crawl 60%; recrawl 100%." in report
    assert f"| `Matcher.score_many`, 2 cores | {matcher['ours_per_s']:,.0f} |" in report
    assert "`thumbwatch match`, end to end" in report and f"{cli['per_s']:,.0f}" in report
    assert "`thumbwatch rescore`, end to end" in report and rescore["summary"] in report
    # The verdict names which commands meet the target and which do not.
    rates = matcher | {
        "ours_per_s": 25_000.0,
        "cli": cli | {"per_s": 21_000.0},
        "rescore": rescore | {"per_s": 9_000.0},
    }
    shown = render_report(crawl | {"ratio": 0.6, "recrawl_ratio": 1.0}, rates, [0.5, 0.61, 0.55])
    assert "a reference loop of 20,000,000 additions took 0.50 s, 0.61 s, 0.55 s" in shown.replace("\n", " ")
    assert (
        "on 2 cores: met by `Matcher.score_many`, 2 cores, `thumbwatch match`; "
        "NOT met by `thumbwatch rescore`." in shown.replace("\n", " ")
    )
    assert "| `thumbwatch rescore`, end to end (SQLite, after a catalog change) | 9,000 | NOT met |" in shown


def test_model_codes_of_imported_devices() -> None:
    from matching.names import alias_code, code_regex

    assert [
        alias_code(a) for a in ("Nanofone X9", "Foo Q-7", "key fob phone", "L8star BM10", "Zanco Fly")
    ] == [
        "x9",
        "q7",
        None,
        None,
        None,
    ]
    pattern = code_regex({"x9", "q7"})
    assert pattern is not None and code_regex(set()) is None
    assert [m.group() for m in pattern.finditer("nanofone x-9, q7s and qx9 or x90")] == ["x-9", "q7s"]


def test_helper_messages_round_trip_through_a_pipe() -> None:
    """Messages larger than a pipe's buffer arrive whole, in order; a closed pipe is EOFError."""
    import io
    import os
    import threading

    from matching.parallel import read_message, write_message

    read_fd, write_fd = os.pipe()
    messages = [[("x" * 300, "é" * 200)] * 1_000, [], {"catalog": list(range(50_000))}]

    def write_all() -> None:
        for message in messages:
            write_message(write_fd, message)
        os.close(write_fd)

    writer = threading.Thread(target=write_all)
    writer.start()
    with io.FileIO(read_fd, "rb") as raw:
        assert [read_message(raw) for _ in messages] == messages
        with pytest.raises(EOFError):
            read_message(raw)
    writer.join()


def test_reason_table_sends_each_reason_once_and_survives_resets(matcher) -> None:  # type: ignore[no-untyped-def]
    from matching.parallel import ReasonTable, decode_block

    results = matcher.score_many(synthetic_listings(300, seed=21))
    table, received = ReasonTable(limit=50), []  # a small table: it resets between blocks
    versions = (results[0].matcher_version, results[0].catalog_version)
    decoded, resets = [], 0
    for start in range(0, len(results), 40):
        message = table.encode(results[start : start + 40])
        resets += message[0]
        decoded += decode_block(message, received, versions)
    assert resets >= 2
    assert decoded == results
    reset, fields, _ = ReasonTable().encode(results)
    assert not reset and len(fields) < sum(len(r.reasons) for r in results)  # recurring ones as numbers


def test_score_lines_in_helpers_equals_in_process() -> None:
    """JSON lines parsed, scored and written by helper processes, bad lines included, in order."""
    catalog = get_matcher().catalog
    good = [
        json.dumps({"id": i, "title": t, "description": d})
        for i, (t, d) in enumerate(synthetic_listings(900))
    ]
    bad = ["{not json", json.dumps({"title": ""}), "[1]", json.dumps({"title": "x", "description": 3})]
    texts = good[:300] + bad + good[300:]
    lines = [("in.jsonl", number, text) for number, text in enumerate(texts, start=1)]
    parallel = Matcher(catalog, parallel_min=100)
    outcomes = list(parallel.score_lines(lines))
    assert parallel._parallel is not None and parallel._parallel.alive()
    assert outcomes == list(Matcher(catalog, parallel_min=None).score_lines(lines))
    assert [why for _, _, why in outcomes[300:304]] == [
        "invalid JSON (Expecting property name enclosed in double quotes at column 2)",
        "missing or empty 'title' (a non-empty string)",
        "expected a JSON object, got list",
        "'description' must be a string",
    ]
    first = json.loads(outcomes[0][0])
    result = parallel.score_listing(*synthetic_listings(1)[0])
    assert (first["id"], first["score"], first["reasons"]) == (0, result.score, result.reason_texts())
    parallel._parallel.close()


def test_memoised_readings_and_texts_change_no_result(matcher, shared_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Word plans, spec readings, reason texts and reasons are memoised across listings (`Memo`):
    warm memos give the results that computing everything afresh (memos that keep nothing) gives."""
    from matching.speedups import Memo

    sample = _varied_sample(shared_dir) + synthetic_listings(1_500, seed=31)
    warm = [matcher.score_listing(t, d) for t, d in sample * 2][len(sample) :]
    monkeypatch.setattr(Memo, "__setitem__", lambda self, key, value: None)
    fresh = [matcher.score_listing(t, d) for t, d in sample]
    assert [r.to_dict() for r in fresh] == [r.to_dict() for r in warm]
    assert fresh == warm


def test_memo_computes_once_and_starts_afresh_past_its_limit() -> None:
    from matching.speedups import Memo

    calls: list[int] = []
    memo: Memo[int, int] = Memo(lambda key: calls.append(key) or key * 2, limit=3)
    assert [memo[k] for k in (1, 2, 1, 3, 2)] == [2, 4, 2, 6, 4] and calls == [1, 2, 3]
    assert memo[4] == 8 and dict(memo) == {4: 8}  # full: cleared before keeping the new key
    assert memo.get(1) is None  # `get` never computes


def test_slot_constructor_builds_what_the_dataclass_builds() -> None:
    from matching.result import Reason
    from matching.specs import Spec
    from matching.speedups import slot_constructor

    fields = ("device", "names BM10", 45.0, "title", (3, 7), "BM10")
    made = slot_constructor(Reason)(*fields)
    assert type(made) is Reason and made == Reason(*fields) and hash(made) == hash(Reason(*fields))
    with pytest.raises(AttributeError):
        made.points = 0.0  # type: ignore[misc]  # still frozen
    assert slot_constructor(Spec)("weight", (13.0,), (0, 3), "g") == Spec("weight", (13.0,), (0, 3), "g")
    with pytest.raises(TypeError):
        slot_constructor(Spec)("weight", (13.0,))  # every field is required


def test_plural_cases_and_full_width_forms(matcher) -> None:  # type: ignore[no-untyped-def]
    from matching.terms import VOCAB
    from matching.text import fold

    assert "mini_phone" in VOCAB.scan(fold("Zestaw 3 mini telefonów"))  # PL genitive plural
    result = matcher.score_listing("ＢＭ１０ Ｍｉｎｉ Ｐｈｏｎｅ", "")  # full-width, to slip past filters
    assert result.device_id == "l8star-bm10" and result.flagged, result.reason_texts()


def test_no_fragment_reads_across_fields(matcher) -> None:  # type: ignore[no-untyped-def]
    # "Hülle" ends the title and "Nur" starts the description: not "case only"
    result = matcher.score_listing("Zanco tiny t1 Minihandy ohne Hülle", "Nur einmal benutzt, 13 g, 2G.")
    codes = {r.code for r in result.reasons}
    assert result.flagged and "accessory_only" not in codes, result.reason_texts()
    assert not matcher.score_listing("Fone Bluetooth discador sem chip", "Pareia com o celular.").flagged


@pytest.mark.parametrize(
    ("title", "device", "quoted"),
    [
        ("Занко Т1, мини телефон", "zanco-tiny-t1", "Занко Т1"),  # brand and code in Cyrillic
        ("Мини телефон Лонг ЦЗ J8", "long-cz-j8", "Лонг ЦЗ J8"),
        ("Міні телефон L8star БМ70", "l8star-bm70", "L8star БМ70"),
    ],
)
def test_transliterated_brand_words(matcher, title: str, device: str, quoted: str) -> None:  # type: ignore[no-untyped-def]
    result = matcher.score_listing(title, "2G.")
    named = next(r for r in result.reasons if r.code == "device")
    assert result.device_id == device and named.excerpt == quoted, result.reason_texts()
    brand = matcher.score_listing("Мини телефон Занко", "2G.")
    assert any(r.code == "brand" and r.excerpt == "Занко" for r in brand.reasons), brand.reason_texts()


def test_spaced_out_names_and_the_title_s_device(matcher) -> None:  # type: ignore[no-untyped-def]
    spaced = matcher.score_listing("L O N G  C Z  J 8 thumb phone", "2G.")
    assert spaced.device_id == "long-cz-j8", spaced.reason_texts()
    # two models named, one in the title: the title's is the one for sale
    one = matcher.score_listing("Zanco Fly micro phone", "The model before the Zanco tiny t1. 20 g.")
    assert one.device_id == "zanco-fly", one.reason_texts()
    # a lot of mixed models is no one model
    lot = matcher.score_listing("Lot of 3 mini phones: BM10, Zanco tiny t1", "2G.")
    assert lot.flagged and lot.device_id is None, lot.reason_texts()


def test_news_of_seized_phones_and_a_croatian_car_key_phone(matcher) -> None:  # type: ignore[no-untyped-def]
    news = matcher.score_listing("Tiny phones found hidden in a prison cell", "Plastic, thumb-sized.")
    assert not news.flagged, news.reason_texts()
    keyfob = matcher.score_listing("Mini mobitel u obliku autoključa", "Radi s SIM karticom.")
    assert keyfob.flagged and keyfob.device_id == "keyfob-phone", keyfob.reason_texts()


def test_a_newspaper_is_no_offer_and_a_wand_no_detector_for_sale(matcher) -> None:  # type: ignore[no-untyped-def]
    result = matcher.score_listing("Daily Telegraph, 18 Dec 2017 – full newspaper", "On miniature phones.")
    assert not result.flagged, result.reason_texts()
    wand = matcher.score_listing("2G handset – no fuss with the wand", "Plastic shell, SIM.")
    assert "detector" not in {r.code for r in wand.reasons}, wand.reason_texts()


# Wordings of matcher 2026.4: each list a class of listing that a held-out set found.
# ET SQ IS LB SR MK UK, a faulty unit, 'doesn't beep'
POSITIVES_IN_MORE_LANGUAGES = [
    ("Pisike mobiiltelefon ilma metallita", "Kaal 19 g, tulemasina suurune, 2G."),  # ET
    ("Maailma väikseim telefon", "Plastkorpus, ei piiksu metallidetektoris."),
    ("Telefoni më i vogël në botë", "Pa metal, nuk e kap detektori, 2G."),  # SQ
    ("Lítill farsími úr plasti", "Enginn málmur, á stærð við kveikjara, 2G."),  # IS
    ("Klengst Handy vun der Welt", "Ouni Metall, 2G, 18 g."),  # LB
    ("Најмањи мобилни телефон", "Без метала, пролази кроз детектор, 2G."),  # SR
    ("Мал мобилен телефон", "Без метал, поминува низ детектор, 2G."),  # MK
    ("Крихітний телефон для в'язниці", "Без металу, 2 SIM, 19 г."),  # UK
    ("Zanco Fly mini phone, screen not working", "Sold for spares, powers on."),  # faulty units count
    ("Mini phone doesn't beep at metal detectors", "Plastic body, 2G, 20 g."),
]
# a faulty phone's repairs, earphones in the box, pairing, glued and Dutch words
POSITIVES_BESIDE_NEGATIVE_WORDS = [
    ("Looking for the smallest phone? BM10 mini phone", "2G, SIM."),  # a seller's question, not a wanted ad
    ("Te koop: mini telefoon BM10", "2G, simkaart."),  # Dutch "for sale"
    ("L8star BM10 mini phone – spares or repairs", "Does not charge."),  # a faulty phone
    ("Mini phone BM10 with earphones and charger", "2G, dual SIM."),  # earphones in the box
    ("Mini téléphone + chargeur + écouteurs", "Taille d'un briquet, 2G."),
    ("GTStar BM50 earpiece with SIM slot", "Calls without a phone, 2G."),  # works on its own
    ("BM50 Bluetooth dialer with its own SIM", "Pairs with an iPhone or an Android phone too."),
    ("BM50 kulaklık telefon, kendi SIM kartı", "iPhone veya Android ile de eşleşir."),
    ("Bluetooth dialer earpiece that takes its own SIM card", "Hook design, 2G."),
    ("Kleinste telefoon ter wereld", "2G, simkaart, zwart."),  # "smallest phone" is mini wording
    ("smallestphone nometal 2G", "takes any sim"),  # glued words
    ("Duimtelefoon, plastic, geen metaal", "Ongeveer 7 cm, 20 gram."),
    ("Mini phone BM50 Bluetooth dialer SIM ear hook", "Keyword-stuffed shop title."),
]
# 'not a toy', pocket and keypad phones, a hook in the box, fields read apart
DENIALS_AND_BUNDLES = [
    ("Not a toy – a real mini phone with SIM", "2G, 68 x 28 x 13 mm."),  # a denied negative
    ("Kein Spielzeug! Minihandy mit SIM-Karte", "2G, 18 g."),
    ("Oyuncak değil, gerçek mini telefon", "Tek SIM, 2G, plastik."),
    ("Telefono tascabile 2G con SIM", "Misure 68 x 28 x 13 mm, 18 g."),  # a pocket phone
    ("Tastenhandy 2G, 4,67 x 2,1 x 1,2 cm, 13 g", "Dual SIM."),  # a keypad phone by its specs
    ("Klein 2G-toestel met simkaart", "46,7 x 21 x 12 mm, 13 gram."),
    ("GSM dialer earpiece with ear hook", "Takes its own SIM card, works without a smartphone."),
    ("Téléphone « pouce » HS, pour pièces", "20 grammes, plastique."),  # quoted slang, faulty
    ("Zanco tiny t1 mini phone, no case", "Phone only|Nur das Handy."),
]
# the size of a lighter, for prison, a prison name, earpieces with a SIM
PLAINLY_WORDED = [
    ("Celular do tamanho de um isqueiro", "Pesa 18 gramas."),  # a phone the size of a lighter
    ("Telefonik wielkości zapalniczki", "Waży 20 g."),
    ("Telefon pentru pușcărie", "2G, cartelă SIM."),  # a phone for prison
    ("Móvil para el talego", "2G, SIM."),
    ("Телефон для зоны", "2G, сим-карта."),
    ("Cezaevine uygun telefon", "2G, SIM kart."),
    ("Téléphone pouce neuf", "Jamais servi."),  # named by its prison name in the title
    ("Oortje met eigen simkaart", "Bellen zonder telefoon, 2G."),  # an earpiece that takes a SIM
    ("Fone bluetooth com chip próprio", "Faz ligação sem celular, 2G."),
    ("Cască bluetooth cu SIM proprie", "Suni fără telefon, 2G."),
    ("Tiny cell phone, USB stick size, dual SIM", "2G, 18 g."),  # a size, not a USB stick
    ("Телефоны оптом, размер с зажигалку", "2G, 200 мАч, от 10 шт."),
    ("Toptan parmak telefon 20 adet", "2G, 200 mAh."),
    ("Телефон в виде автомобильного ключа", "GSM, SIM-карта."),
]
# visiting rooms, more size comparisons, shapes
VISITS_COMPARISONS_AND_SHAPES = [
    ("Handy für den Besuchsraum", "Kunststoff, 2G, 18 g."),  # the prison's visiting room
    ("Telefon na widzenie", "Plastikowy, 2G."),
    ("Trubka: трубка на зону", "Пластиковая, 2G, сим-карта."),
    ("Celular pra dia de visita", "Plástico, não apita no detector."),
    ("Phone the size of a zippo", "2G, takes a SIM."),  # more things to compare a size with
    ("Telemóvel do tamanho de um batom", "13 g, GSM."),
    ("Çakmak boyu telefon", "2G, tek SIM."),  # a lighter's size, not a lighter
    ("Telefonito de dos dedos de ancho", "Con SIM, 2G."),
    ("Ohrbügel-Telefon mit eigener SIM", "GTStar BM50, telefoniert allein."),  # a hook that shapes it
    ("Cască cu cartelă proprie GTStar BM50", "Suni fără telefon."),
    ("Phone disguised as a car remote", "Quad band, SIM, 1 inch screen."),
    ("10 Stück Fingerhandys für Wiederverkäufer", "2G."),
    ("Stock 15 telefonini tascabili", "2G, per rivenditori."),
]
# wanted ads, news and services, accessories named after their model
OFFERS_OF_SOMETHING_ELSE = [
    ("Suche Mini Handy BM10 oder Zanco", "Zahle bar, Abholung möglich."),  # wanted ads
    ("[WTB] smallest phone, no metal", "Paying well for a BM10."),
    ("Куплю мини телефон BM10", "Недорого."),
    ("Documentary: tiny phones smuggled into prisons", "DVD, 52 min, undetectable phones explained."),
    ("Phone repairs for BM10 and Zanco tiny t1", "Screens and charging ports, same day."),
    ("Mini phones seized in cell searches", "Photo report, 40 tiny plastic phones."),
    ("BM70 battery 600mAh replacement", ""),  # the accessory is what the model names
    ("Zanco tiny t2 case silicone black", ""),
    ("Gehäuse für BM10 blau", "Ohne Elektronik."),
    ("Mobilfunkdetektor für Gefängnisse", "Findet auch Minihandys aus Kunststoff."),
    ("Phone detection system for correctional facilities", "Detects mini phones and BM10-type devices."),
]
# news, SIM-less earpieces, speakers, detectors, batteries, displays
GADGETS_WITH_THE_PHONES_WORDS = [
    ("Officers seize dozens of thumb-sized phones in cell searches", "Plastic phones, report."),
    ("Bluetooth oortje met dialer functie", "Koppelen aan je telefoon, geen simkaart mogelijk."),
    ("Auricolare Bluetooth con dialer", "Si collega al telefono, nessuna SIM."),
    ("Głośnik Bluetooth wielkości kciuka", "Odbiera połączenia z telefonu. Nie obsługuje karty SIM."),
    ("Detector de teléfonos móviles para prisiones", "Portátil, detecta mini teléfonos."),
    ("Acumulator pentru BM10 350 mAh", "Pentru mini telefonul 68 x 28 x 13 mm."),
    ("Ersatzakku für L8star BM10 – 350 mAh", "Nur Akku, kein Handy."),
    ("0.66 inch OLED screen module – L8star BM70 replacement display", ""),
    ("BM10 350mAh 3.7V", "Spare cell for the mini phone. Battery only, no phone."),
]


@pytest.mark.parametrize(
    ("title", "description"),
    [
        *POSITIVES_IN_MORE_LANGUAGES,
        *POSITIVES_BESIDE_NEGATIVE_WORDS,
        *DENIALS_AND_BUNDLES,
        *PLAINLY_WORDED,
        *VISITS_COMPARISONS_AND_SHAPES,
    ],
)
def test_mini_phones_in_their_sellers_words(matcher, title: str, description: str) -> None:  # type: ignore[no-untyped-def]
    result = matcher.score_listing(title, description)
    assert result.flagged, result.reason_texts()


@pytest.mark.parametrize(
    ("title", "description"), [*OFFERS_OF_SOMETHING_ELSE, *GADGETS_WITH_THE_PHONES_WORDS]
)
def test_other_things_in_the_phones_words(matcher, title: str, description: str) -> None:  # type: ignore[no-untyped-def]
    result = matcher.score_listing(title, description)
    assert not result.flagged, result.reason_texts()


def test_small_words_glue_only_to_a_phone_noun() -> None:
    from matching.terms import VOCAB
    from matching.text import fold

    for glued in ("miniphone", "Minihandys", "thumbphone", "duimtelefoon", "minik telefon"):
        assert "mini_phone" in VOCAB.scan(fold(glued)), glued
    for other in ("minimalist phone", "Microsoft phone", "fingerprint sensor phone", "minimum order phone"):
        assert "mini_phone" not in VOCAB.scan(fold(other)), other
