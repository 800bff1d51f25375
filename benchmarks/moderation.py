#!/usr/bin/env python
"""How fast the moderation engine screens reports, on one core.

Run ``.venv/bin/python benchmarks/moderation.py``. It builds report texts in the six languages by
combining ordinary report sentences (and, in about one text in six, a sentence that triggers a rule:
a phone number, a name, a threat, a profiling description...) up to 2,000 characters, then screens them one
after another in this single process and prints:

* the one-off cost of loading and compiling the lexicons (paid at start-up, see ``engine.warm_up``);
* throughput in reports per second on one core, and p50/p99 latency per report;
* the same per language and per text length.

Times are CPU time of the screening thread, so that other processes on a shared machine do not count; as
a busy machine still slows a process down (shared caches, a busy sibling core), every text is screened in
``--rounds`` rounds and keeps its fastest. Figures still move by a third from one run to the next on a
shared virtual machine: to compare two versions of the engine, run both in one process, interleaved.

``--quality`` prints recall per family and false flags on every labelled set instead (see
docs/moderation.md for the method).

It never imports Django and touches no database: the engine is pure. The product's aim is at least
5,000 reports per CPU-second and a p99 under 1 ms, normalisation included.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.engine import Draft, ReporterHistory, screen, warm_up  # noqa: E402

# Issue 15's aims, normal form included: 5,000 reports per CPU-second, p99 under 1 ms.
AIM_REPORTS_PER_SECOND = 5000
AIM_P99_MS = 1.0
HELDOUT = ROOT / "tests" / "moderation" / "cases" / "heldout.jsonl"

# Ordinary sentences of citizens' reports, written for this benchmark.
SENTENCES: dict[str, list[str]] = {
    "en": [
        "My bike was taken from the rack outside the library some time this afternoon.",
        "The lights in the underpass have been broken for weeks and it is very dark after six.",
        "Two cars had their windows smashed on the top floor of the car park overnight.",
        "A group of teenagers was throwing stones at the buses near the roundabout.",
        "Someone tried the door handles of every car along the street around midnight.",
        "There is broken glass all over the playground and the gate does not close any more.",
        "I was followed from the station to the corner shop by a man in a grey tracksuit.",
        "The cash machine by the bakery had something stuck on the card slot this morning.",
    ],
    "fr": [
        "On m'a volé mon vélo devant la médiathèque cet après-midi, l'antivol a été coupé.",
        "Les lampadaires du passage souterrain sont cassés depuis des semaines, il fait très noir.",
        "Deux voitures ont eu leurs vitres brisées au dernier étage du parking cette nuit.",
        "Un groupe de jeunes lançait des pierres sur les bus près du rond-point.",
        "Quelqu'un a essayé d'ouvrir toutes les portières de la rue vers minuit.",
        "Il y a du verre cassé partout dans l'aire de jeux et le portail ne ferme plus.",
        "Un homme en survêtement gris m'a suivie de la gare jusqu'à l'épicerie.",
        "Le distributeur près de la boulangerie avait un objet collé sur la fente ce matin.",
    ],
    "de": [
        "Mein Fahrrad wurde heute Nachmittag vor der Bibliothek gestohlen, das Schloss ist durchtrennt.",
        "Die Lampen in der Unterführung sind seit Wochen kaputt, ab sechs ist es stockdunkel.",
        "Im obersten Parkdeck wurden heute Nacht bei zwei Autos die Scheiben eingeschlagen.",
        "Eine Gruppe Jugendlicher hat am Kreisverkehr Steine auf die Busse geworfen.",
        "Jemand hat gegen Mitternacht an allen Autos in der Straße die Türgriffe ausprobiert.",
        "Auf dem Spielplatz liegen überall Scherben und das Tor schließt nicht mehr.",
        "Ein Mann im grauen Trainingsanzug ist mir vom Bahnhof bis zum Kiosk gefolgt.",
        "Am Geldautomaten neben der Bäckerei klebte heute Morgen etwas auf dem Kartenschlitz.",
    ],
    "es": [
        "Me han robado la bici del aparcamiento de la biblioteca esta tarde, cortaron el candado.",
        "Las farolas del paso subterráneo llevan semanas rotas y a partir de las seis no se ve nada.",
        "A dos coches les rompieron las ventanillas en la última planta del parking anoche.",
        "Un grupo de adolescentes tiraba piedras a los autobuses cerca de la rotonda.",
        "Alguien probó las manillas de todos los coches de la calle hacia medianoche.",
        "Hay cristales rotos por todo el parque infantil y la puerta ya no cierra.",
        "Un hombre con chándal gris me siguió desde la estación hasta la tienda de la esquina.",
        "El cajero de al lado de la panadería tenía algo pegado en la ranura esta mañana.",
    ],
    "it": [
        "Mi hanno rubato la bici davanti alla biblioteca oggi pomeriggio, il lucchetto è stato tagliato.",
        "I lampioni del sottopassaggio sono rotti da settimane e dopo le sei è buio pesto.",
        "Stanotte hanno spaccato i finestrini di due auto all'ultimo piano del parcheggio.",
        "Un gruppo di ragazzini tirava sassi agli autobus vicino alla rotonda.",
        "Qualcuno ha provato le maniglie di tutte le macchine della via verso mezzanotte.",
        "Ci sono vetri rotti in tutto il parco giochi e il cancello non si chiude più.",
        "Un uomo in tuta grigia mi ha seguita dalla stazione fino al negozio all'angolo.",
        "Il bancomat vicino al panificio aveva qualcosa incollato sulla fessura stamattina.",
    ],
    "nl": [
        "Mijn fiets is vanmiddag voor de bibliotheek gestolen, het slot is doorgeknipt.",
        "De lampen in de onderdoorgang zijn al weken kapot en na zessen is het er pikdonker.",
        "Bij twee auto's op de bovenste verdieping van de parkeergarage zijn de ruiten ingeslagen.",
        "Een groep jongeren gooide stenen naar de bussen bij de rotonde.",
        "Iemand heeft rond middernacht aan de portieren van alle auto's in de straat gevoeld.",
        "Er ligt overal glas in de speeltuin en het hek gaat niet meer dicht.",
        "Een man in een grijs trainingspak is me van het station tot de buurtwinkel gevolgd.",
        "Op de pinautomaat naast de bakker zat vanochtend iets vastgeplakt op de kaartsleuf.",
    ],
}
HIT_SHARE = 1 / 6
LENGTH_BUCKETS = ((0, 250), (250, 1000), (1000, 2001))


def _hit_sentences() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {language: [] for language in SENTENCES}
    for line in HELDOUT.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if case["expect"] == "flag" and case["lang"] in found:
            found[case["lang"]].append(case["text"])
    return found


def texts_build(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    hits = _hit_sentences()
    built: list[tuple[str, str]] = []
    for index in range(count):
        language = list(SENTENCES)[index % len(SENTENCES)]
        target = rng.randint(60, 2000)
        parts: list[str] = []
        if rng.random() < HIT_SHARE and hits[language]:
            parts.append(rng.choice(hits[language]))
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(rng.choice(SENTENCES[language]))
        rng.shuffle(parts)
        built.append((language, " ".join(parts)[:2000]))
    return built


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _row(ms: list[float]) -> str:
    return f"{len(ms) / (sum(ms) / 1000):9,.0f} {_percentile(ms, 0.5):8.3f} {_percentile(ms, 0.99):8.3f}"


def quality_print(extra: list[Path] | None = None) -> None:
    """Recall per family on flag cases and false-flag rate on clean cases, for each labelled set, overall and
    per language. Only counts are printed, never a case's text: a frozen set must stay unseen."""
    shared = ROOT.parent / "shared" / "examples" / "moderation.jsonl"
    sets = [("shared examples", shared), ("held-out", HELDOUT)]
    sets += [(name, HELDOUT.with_name(f"{name}.jsonl")) for name in ("blind", "blind2", "blind3", "tuning")]
    sets += [(path.stem, path) for path in extra or []]
    for label, path in sets:
        if not path.exists():
            print(f"{label}: {path} not found")
            continue
        cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        print(f"{label} ({len(cases)} cases)")
        _quality_block(cases, "  ")
        for language in sorted({case["lang"] for case in cases}):
            print(f"  [{language}]")
            _quality_block([case for case in cases if case["lang"] == language], "    ")


def _quality_block(cases: list[dict], indent: str) -> None:
    from moderation.rules.reasons import CONTENT_PREFIXES

    found: dict[str, list[bool]] = {}
    clean_flags: list[bool] = []
    clean_stopped: list[bool] = []
    for case in cases:
        hits = screen(Draft(text=case["text"])).hits
        content = [hit for hit in hits if hit.code.startswith(CONTENT_PREFIXES)]
        families = {hit.code.split(".")[0] for hit in content}
        if case["expect"] == "flag":
            found.setdefault(case["family"], []).append(case["family"] in families)
        else:
            clean_flags.append(bool(families))
            # A quoted slur is redacted and the report stands: held or rejected is what costs the citizen.
            clean_stopped.append(any(hit.action != "redact" for hit in content))
    for family, results in sorted(found.items()):
        print(f"{indent}recall {family:<12} {sum(results)}/{len(results)} = {sum(results) / len(results):.0%}")
    flags = [r for results in found.values() for r in results]
    if flags:
        print(f"{indent}recall all          {sum(flags)}/{len(flags)} = {sum(flags) / len(flags):.0%}")
    if clean_flags:
        flagged = sum(clean_flags)
        stopped = sum(clean_stopped)
        print(
            f"{indent}false flags on clean texts: {flagged}/{len(clean_flags)} = {flagged / len(clean_flags):.0%}"
            f" (held or rejected: {stopped}/{len(clean_flags)} = {stopped / len(clean_flags):.0%})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="screen every text this many times, keep the fastest")
    parser.add_argument("--quality", action="store_true", help="print recall and false flags, not speed")
    parser.add_argument("--set", type=Path, action="append", help="with --quality: another labelled .jsonl set")
    args = parser.parse_args()
    if args.quality:
        quality_print(args.set)
        return

    started = time.process_time()
    warm_up()
    compile_seconds = time.process_time() - started
    texts = texts_build(args.reports, args.seed)
    history = ReporterHistory(reports_total=12, reports_rejected=1, reports_last_hour=1)

    # CPU time of this thread, not wall time: on a shared machine other processes' load would otherwise be
    # counted against the engine. It still inflates CPU time somewhat (shared caches, a busy sibling core),
    # so the texts are screened in several rounds and each report keeps its fastest round.
    best: list[float] = [float("inf")] * len(texts)
    verdicts: dict[str, int] = {}
    wall = float("inf")
    for round_index in range(args.rounds):
        wall_start = time.perf_counter()
        for index, (language, text) in enumerate(texts):
            before = time.thread_time()
            screening = screen(Draft(text=text, locale=language), history=history)
            best[index] = min(best[index], time.thread_time() - before)
            if round_index == 0:
                verdicts[screening.verdict] = verdicts.get(screening.verdict, 0) + 1
        wall = min(wall, time.perf_counter() - wall_start)
    latencies = [(language, len(text), seconds) for (language, text), seconds in zip(texts, best, strict=True)]

    all_ms = [seconds * 1000 for _, _, seconds in latencies]
    throughput = len(texts) / sum(best)
    print(f"Python {platform.python_version()} on {platform.machine()}, one process, one core")
    print(f"lexicons loaded and compiled in {compile_seconds:.2f} s of CPU (once per process)")
    print(
        f"{len(texts)} reports, mean length {statistics.mean(len(t) for _, t in texts):.0f} characters, "
        f"best of {args.rounds} rounds per report"
    )
    print(f"verdicts: {dict(sorted(verdicts.items()))}")
    print(
        f"throughput {throughput:,.0f} reports per CPU-second ({len(texts) / wall:,.0f}/s wall); "
        f"latency (CPU) p50 {_percentile(all_ms, 0.5):.3f} ms, "
        f"p99 {_percentile(all_ms, 0.99):.3f} ms (aims: {AIM_REPORTS_PER_SECOND:,} reports/s, p99 {AIM_P99_MS} ms)"
    )
    print("per language:   reports/s   p50 ms   p99 ms")
    for language in SENTENCES:
        ms = [s * 1000 for lang, _, s in latencies if lang == language]
        print(f"  {language:<12} {_row(ms)}")
    print("per length:     reports/s   p50 ms   p99 ms")
    for low, high in LENGTH_BUCKETS:
        ms = [s * 1000 for _, length, s in latencies if low <= length < high]
        if ms:
            label = f"{low}-{high - 1}"
            print(f"  {label:<12} {_row(ms)}")
    print("throughput aim", "met" if throughput >= AIM_REPORTS_PER_SECOND else "NOT met")
    print("p99 aim", "met" if _percentile(all_ms, 0.99) <= AIM_P99_MS else "NOT met")


if __name__ == "__main__":
    main()
