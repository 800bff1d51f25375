"""Every inflected form of the frames' verbs: built once from simplemma's dictionaries, stored as data.

The frames' lexicons list verbs as lemmas ("spezzare", "festhalten", "imprimir"). Rather than lemmatise
every word of every report (simplemma's six dictionaries take 2.5 s to load and 350 MB to hold), every
form that a language's dictionary maps to a listed lemma is written, per lemma, to
``moderation/lexicons/frame_forms/<language>.json`` by ``python manage.py moderation_forms_build``; the
file is committed beside the lexicon. A process only reads that file when it compiles the lexicon, so
reading the dictionaries is paid by whoever edits a lexicon, not by every worker at start-up (it cost them
7-8 s of CPU and 100 MB more memory each), and simplemma is a build dependency, not a run-time one. A report is
then matched by the same one phrase scan as the rest of the lexicon: matching a form against the stored
forms gives what lemmatising it would, for the listed verbs.

A test builds the files again and compares them with the committed ones, so a lexicon is never edited
without its forms.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path

FORMS_DIRECTORY = "frame_forms"  # inside the lexicon directory
BUILD_COMMAND = "python manage.py moderation_forms_build"
# The lexicon slots that hold lemmas (moderation/rules/lexicon.py expands each to the stored forms).
LEMMA_SLOTS: tuple[str, ...] = ("harm_lemmas", "detain_lemmas", "publish_lemmas")

# Spanish and Italian glue object pronouns to imperatives ("retenedlo", "tenetelo", "pegadla"); the
# plural imperatives of the listed verbs (a call to several people) get them glued on too.
_CLITICS = {
    "es": ("lo", "la", "los", "las", "le", "les", "me", "nos"),
    "it": ("lo", "la", "li", "le", "gli", "mi", "ci", "telo", "tela"),
}
_PLURAL_IMPERATIVE = {"es": re.compile(r".*(?:ad|ed|id)$"), "it": re.compile(r".*(?:ate|ete|ite)$")}
# Only words, and not too short: a two-letter form would be any word.
_FORM = re.compile(r"[^\W\d_][\w'-]{2,40}")


def forms_path(directory: Path, language: str) -> Path:
    """Where the stored forms of ``language``'s lexicon in ``directory`` are."""
    return directory / FORMS_DIRECTORY / f"{language}.json"


@functools.cache
def stored_forms(language: str, directory: Path) -> Mapping[str, tuple[str, ...]]:
    """Lemma -> its forms, as committed for ``language``; empty when the file is missing."""
    path = forms_path(directory, language)
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {lemma: tuple(forms) for lemma, forms in data["forms"].items()}


def listed_lemmas(lexicon_data: Mapping[str, object]) -> list[str]:
    """The lemmas of a lexicon's lemma slots, stripped, each once, in the order listed."""
    frames = lexicon_data["frames"]
    assert isinstance(frames, Mapping)
    lemmas = (lemma.strip() for slot in LEMMA_SLOTS for lemma in frames[slot])
    return list(dict.fromkeys(lemma for lemma in lemmas if lemma))


# -- building (simplemma is needed only here) ---------------------------------------------------------------


def forms_build(language: str, lemmas: Iterable[str], dictionary: Mapping[bytes, bytes] | None) -> dict[str, list[str]]:
    """Each lemma with every form ``dictionary`` (simplemma's, form -> lemma) maps to it, sorted.

    A several-word entry ("in brand steken") is kept as written. ``dictionary`` is None for a language
    simplemma does not know: each lemma then only stands for itself.
    """
    forms = {lemma: {lemma} for lemma in lemmas}
    wanted = {lemma.lower().encode(): lemma for lemma in forms if " " not in lemma}
    for form, lemma in (dictionary or {}).items():
        if lemma in wanted:
            text = form.decode()
            if _FORM.fullmatch(text):
                forms[wanted[lemma]].add(text.lower())
    pattern = _PLURAL_IMPERATIVE.get(language)
    if pattern is not None:
        for found in forms.values():
            found |= {form + clitic for form in list(found) if pattern.fullmatch(form) for clitic in _CLITICS[language]}
    return {lemma: sorted(found) for lemma, found in forms.items()}


def forms_render(language: str, forms: Mapping[str, list[str]]) -> str:
    """The file of ``forms``: JSON, one lemma a line, so that a diff shows which verb changed."""
    head = {
        "about": f"Inflected forms of the frames' lemmas in {language}.json. Generated: run {BUILD_COMMAND}, "
        "do not edit.",
        "simplemma": metadata.version("simplemma"),
    }
    lines = [f"    {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}," for key, value in head.items()]
    body = [
        f"        {json.dumps(lemma, ensure_ascii=False)}: {json.dumps(found, ensure_ascii=False)}"
        for lemma, found in forms.items()
    ]
    return "{\n" + "\n".join(lines) + '\n    "forms": {\n' + ",\n".join(body) + "\n    }\n}\n"


def forms_files_build(directory: Path, report: Callable[[str], None] = lambda line: None) -> dict[str, str]:
    """The forms file of every lexicon in ``directory``, by language, built from simplemma's dictionaries."""
    # Imported here: simplemma is a build dependency, absent where the service runs.
    from simplemma.strategies.dictionaries.dictionary_factory import (
        SUPPORTED_LANGUAGES,
        _load_dictionary_from_disk,
    )

    files: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        language = path.stem
        lemmas = listed_lemmas(json.loads(path.read_text(encoding="utf-8-sig")))
        known = language in SUPPORTED_LANGUAGES
        if known:
            report(f"{language}: {len(lemmas)} lemmas, reading simplemma's dictionary…")
        else:
            report(f"{language}: {len(lemmas)} lemmas, not in simplemma: each lemma stands for itself")
        # One language's dictionary at a time, let go before the next (each is 30-100 MB in memory).
        dictionary = _load_dictionary_from_disk(language) if known and lemmas else None
        forms = forms_build(language, lemmas, dictionary)
        del dictionary
        files[language] = forms_render(language, forms)
        report(f"{language}: {sum(len(found) for found in forms.values())} forms")
    return files
