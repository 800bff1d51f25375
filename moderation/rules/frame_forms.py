"""Every inflected form of the frames' verbs, from simplemma's dictionaries, once per process.

The frames' lexicons list verbs as lemmas ("spezzare", "festhalten", "imprimir"). Rather than lemmatise
every word of every report (simplemma's six dictionaries take 2.5 s to load and 350 MB to hold), the
dictionary of a language is read once when its lexicon is compiled, every form whose lemma is listed is
kept, and the dictionary is let go: a report is then matched by the same one phrase scan as the rest of
the lexicon. Matching a form against the kept forms gives what lemmatising it would, for the listed verbs.
"""

from __future__ import annotations

import functools
import re

from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES, _load_dictionary_from_disk

from moderation.rules.folding import fold_term

# Spanish and Italian glue object pronouns to imperatives ("retenedlo", "tenetelo", "pegadla"); the
# plural imperatives of the listed verbs (a call to several people) get them glued on too.
_CLITICS = {
    "es": ("lo", "la", "los", "las", "le", "les", "me", "nos"),
    "it": ("lo", "la", "li", "le", "gli", "mi", "ci", "telo", "tela"),
}
_PLURAL_IMPERATIVE = {"es": re.compile(r".*(?:ad|ed|id)$"), "it": re.compile(r".*(?:ate|ete|ite)$")}
# Only words, and not too short: a two-letter form would be any word.
_FORM = re.compile(r"[^\W\d_][\w'-]{2,40}")


@functools.cache
def inflected_forms(language: str, lemmas: tuple[str, ...]) -> tuple[str, ...]:
    """``lemmas`` and every form simplemma maps to one of them (several-word entries stay as they are)."""
    single = {fold_term(lemma) for lemma in lemmas if " " not in lemma.strip()}
    forms: set[str] = {lemma.strip() for lemma in lemmas if lemma.strip()}
    if language in SUPPORTED_LANGUAGES and single:
        wanted = {lemma.encode() for lemma in {lemma.strip().lower() for lemma in lemmas if " " not in lemma}}
        dictionary = _load_dictionary_from_disk(language)
        for form, lemma in dictionary.items():
            if lemma in wanted:
                text = form.decode()
                if _FORM.fullmatch(text):
                    forms.add(text.lower())
        del dictionary
    pattern = _PLURAL_IMPERATIVE.get(language)
    if pattern is not None:
        forms |= {form + clitic for form in list(forms) if pattern.fullmatch(form) for clitic in _CLITICS[language]}
    return tuple(sorted(forms))
