"""The API answers in the caller's language: complete catalogs, compiled, and used in problem details.

Catalogs live in ``locale/<lang>/LC_MESSAGES/django.po`` (Python and templates) and ``djangojs.po`` (the
moderator console's JavaScript, served by ``moderation.console.console_catalog``); the compiled ``.mo``
next to each is committed. After adding or changing a translatable string, from the project root::

    LANTERN_ENV=development .venv/bin/python manage.py makemessages -l fr -l de -l es -l it -l nl \\
        --ignore='.venv/*' --ignore='tests/*' --ignore='benchmarks/*' --ignore='staticfiles/*' --ignore='var/*'
    LANTERN_ENV=development .venv/bin/python manage.py makemessages -d djangojs -l fr -l de -l es -l it -l nl \\
        --ignore='.venv/*' --ignore='tests/*' --ignore='benchmarks/*' --ignore='staticfiles/*' --ignore='var/*' \\
        --ignore='maps/static/maps/vendor/*'
    # translate every empty or fuzzy entry, then
    LANTERN_ENV=development .venv/bin/python manage.py compilemessages --ignore='.venv/*'
"""

from __future__ import annotations

import ast
import gettext as gnu_gettext
import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

from tests import factories

BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
TRANSLATED_LANGUAGES = sorted(code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE)
# The same folders makemessages is told to skip (see the module docstring).
NOT_EXTRACTED = {".venv", "tests", "benchmarks", "staticfiles", "var"}
# Minified third-party code: its one-letter functions (``_("…")``) would read as messages.
NOT_EXTRACTED_JAVASCRIPT = {BASE_DIR / "maps" / "static" / "maps" / "vendor"}
DOMAINS = ("django", "djangojs")

OUTSIDE_DETAIL = "This place is outside the area Lantern serves. Check the location, or contact local services."
OUTSIDE_TITLE = "Outside the service area"


# --- A tiny .po reader: enough for the files makemessages writes, and no new dependency. ---------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid


def po_read(path: Path) -> list[Entry]:
    """Every entry of a .po file, header (``msgid ""``) first; obsolete (``#~``) entries are left out."""
    entries: list[Entry] = []
    entry, target = Entry(), None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        keyword = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line)
        # makemessages does not always leave a blank line between entries: a new one starts at any
        # comment or msgctxt/msgid that follows a msgstr.
        starts_entry = line.startswith("#") or (keyword is not None and keyword.group(1) in ("msgctxt", "msgid"))
        if starts_entry and entry.msgstr:
            entries.append(entry)
            entry, target = Entry(), None
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#"):
            continue
        elif keyword:
            name, index, text = keyword.groups()
            value = ast.literal_eval(text)
            if name.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                entry.msgstr[target[1]] = value
            else:
                target = (name, None)
                setattr(entry, name, value)
        elif line.startswith('"') and target is not None:
            value = ast.literal_eval(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += value
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + value)
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    if entry.msgstr:
        entries.append(entry)
    return entries


def po_path(language: str, domain: str = "django") -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def header(entries: list[Entry]) -> tuple[Entry, dict[str, str]]:
    first = entries[0]
    assert first.msgid == "" and first.msgctxt is None, "the header must come first"
    fields = dict(line.split(": ", 1) for line in first.msgstr[0].splitlines() if ": " in line)
    return first, fields


def placeholders(text: str) -> Counter[str]:
    """%-style (``%(seconds)d``) and brace-style (``{value}``, and the escaped ``{{`` / ``}}``) markers."""
    pattern = r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[diouxXeEfFgGcrsa%]|\{\{|\}\}|\{\w*\}"
    return Counter(re.findall(pattern, text))


# --- The catalogs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_language_the_api_offers_has_a_source_and_a_compiled_catalog(domain):
    for language in TRANSLATED_LANGUAGES:
        assert po_path(language, domain).is_file(), f"no {domain} catalog for {language}: run makemessages"
        assert po_path(language, domain).with_suffix(".mo").is_file(), (
            f"{language} {domain} is not compiled: run compilemessages"
        )


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_a_catalog_translates_every_message_and_has_nothing_fuzzy(language, domain):
    entries = po_read(po_path(language, domain))
    first, fields = header(entries)
    assert "fuzzy" not in first.flags, "a fuzzy header hides the charset and plural rule from msgfmt"
    assert fields.get("Language") == language
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    plurals = int(re.search(r"nplurals=(\d+)", fields["Plural-Forms"]).group(1))
    messages = entries[1:]
    assert messages, "an empty catalog: makemessages found nothing to translate"
    for entry in messages:
        assert "fuzzy" not in entry.flags, f"{language}: fuzzy translation of {entry.msgid!r}"
        forms = plurals if entry.msgid_plural is not None else 1
        assert sorted(entry.msgstr) == list(range(forms)), f"{language}: wrong number of forms for {entry.msgid!r}"
        assert all(text.strip() for text in entry.msgstr.values()), f"{language}: {entry.msgid!r} is untranslated"
    keys = [entry.key for entry in messages]
    assert len(keys) == len(set(keys)), f"{language}: duplicate entries"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_translations_keep_every_placeholder_of_the_english_message(language, domain):
    for entry in po_read(po_path(language, domain))[1:]:
        if entry.msgid_plural is None:
            assert placeholders(entry.msgstr[0]) == placeholders(entry.msgid), f"{language}: {entry.msgstr[0]!r}"
            continue
        # A plural form may leave the number out ("une seule photo"), but never invent a placeholder;
        # the last form (the general plural) keeps them all.
        allowed = set(placeholders(entry.msgid)) | set(placeholders(entry.msgid_plural))
        for text in entry.msgstr.values():
            assert set(placeholders(text)) <= allowed, f"{language}: {text!r}"
        last = entry.msgstr[max(entry.msgstr)]
        assert placeholders(last) == placeholders(entry.msgid_plural), f"{language}: {last!r}"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_the_compiled_catalog_is_the_current_source_catalog(language, domain):
    """The committed .mo holds exactly the .po's translations: nothing stale, nothing missing.

    Compared by content, not by modification time: a git checkout does not keep file times.
    """
    source = po_path(language, domain)
    with source.with_suffix(".mo").open("rb") as compiled_file:
        compiled = gnu_gettext.GNUTranslations(compiled_file)
    expected: dict[object, str] = {}
    for entry in po_read(source)[1:]:
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[msgid] = entry.msgstr[0]
        else:
            expected.update({(msgid, index): text for index, text in entry.msgstr.items()})
    # GNUTranslations keeps the header under the empty msgid; everything else must match the source.
    catalog = {key: value for key, value in compiled._catalog.items() if key != ""}
    assert catalog == expected, f"locale/{language}/LC_MESSAGES/{domain}.mo is stale: run compilemessages"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed")
@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_msgfmt_accepts_the_catalog_with_its_format_checks(language, domain, tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / f"{domain}.mo"), str(po_path(language, domain))],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr and "untranslated" not in result.stderr, result.stderr


def _scanned_files() -> list[Path]:
    """Every file under the project that makemessages walks into, in a stable order."""
    found: list[Path] = []
    for directory, subdirectories, files in os.walk(BASE_DIR):
        here = Path(directory)
        subdirectories[:] = sorted(
            name
            for name in subdirectories
            if not name.startswith(".") and name != "__pycache__" and not (here == BASE_DIR and name in NOT_EXTRACTED)
        )
        found.extend(here / name for name in sorted(files))
    return found


def _javascript_sources() -> list[Path]:
    """What makemessages reads for the ``djangojs`` domain: ``.js`` files, third-party bundles left out."""
    return [
        path for path in _scanned_files()
        if path.suffix == ".js" and not any(path.is_relative_to(skipped) for skipped in NOT_EXTRACTED_JAVASCRIPT)
    ]


def _extractable_sources(scratch: Path) -> list[Path]:
    """What makemessages reads for the ``django`` domain: Python files as they are, and templates
    (``.html``, ``.txt``) turned into Python by ``templatize``, as makemessages does before xgettext."""
    found: list[Path] = []
    for path in _scanned_files():
        if path.suffix == ".py":
            found.append(path)
        elif path.suffix in (".html", ".txt"):
            relative = path.relative_to(BASE_DIR)
            converted = scratch / relative.parent / f"{relative.name}.py"
            converted.parent.mkdir(parents=True, exist_ok=True)
            converted.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(path)), encoding="utf-8")
            found.append(converted)
    return found


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
@pytest.mark.parametrize("domain", DOMAINS)
def test_the_catalogs_hold_exactly_the_messages_marked_in_the_source(domain, tmp_path):
    """A new or reworded ``gettext`` string must reach the catalogs (and a removed one leave them).

    Runs xgettext with the keywords Django's makemessages gives it, on the files makemessages scans: Python
    and templates for ``django``, JavaScript for ``djangojs``.
    """
    keywords = [
        "gettext_noop",
        "gettext_lazy",
        "ngettext_lazy:1,2",
        "pgettext:1c,2",
        "npgettext:1c,2,3",
        "pgettext_lazy:1c,2",
        "npgettext_lazy:1c,2,3",
    ]
    if domain == "djangojs":
        language, sources = "JavaScript", _javascript_sources()
    else:
        language, sources = "Python", _extractable_sources(tmp_path / "templates")
    result = subprocess.run(
        [
            "xgettext",
            f"--language={language}",
            "--from-code=UTF-8",
            "--output=-",
            "--no-location",
            *(f"--keyword={keyword}" for keyword in keywords),
            *map(str, sources),
        ],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    # With a header (not --omit-header): without one xgettext writes ASCII and drops non-ASCII msgids.
    template = tmp_path / f"{domain}.pot"
    template.write_text(result.stdout, encoding="utf-8")
    in_source = {entry.key for entry in po_read(template)[1:]}
    assert in_source, "xgettext found no translatable string"
    for language in TRANSLATED_LANGUAGES:
        in_catalog = {entry.key for entry in po_read(po_path(language, domain))[1:]}
        assert in_source - in_catalog == set(), f"{language}: not yet in the catalog: run makemessages, translate"
        assert in_catalog - in_source == set(), f"{language}: no longer in the source: run makemessages"


# --- What a caller sees ------------------------------------------------------------------------------


def _outside_payload() -> dict:
    return factories.report_payload(location={"type": "Point", "coordinates": list(factories.OUTSIDE)})


def _in(language: str, message: str) -> str:
    with translation.override(language):
        return translation.gettext(message)


def test_a_refusal_is_explained_in_german_when_the_caller_asks_for_german(citizen):
    english = citizen.client.post("/api/v1/reports/", _outside_payload(), format="json", HTTP_ACCEPT_LANGUAGE="en")
    german = citizen.client.post("/api/v1/reports/", _outside_payload(), format="json", HTTP_ACCEPT_LANGUAGE="de")
    assert english.status_code == german.status_code == 422
    assert german["Content-Language"] == "de"
    body = german.json()
    # Clients switch on the type, which never changes with the language; only the human text does.
    assert body["type"] == english.json()["type"] == "urn:lantern:problem:outside-service-area"
    assert english.json()["detail"] == OUTSIDE_DETAIL
    assert body["detail"] == _in("de", OUTSIDE_DETAIL) != OUTSIDE_DETAIL
    assert body["title"] == _in("de", OUTSIDE_TITLE) != OUTSIDE_TITLE
    assert body["errors"] == [{"field": "location", "detail": body["detail"], "code": "outside-service-area"}]


@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_every_offered_language_explains_a_refusal_in_that_language(citizen, language):
    response = citizen.client.post("/api/v1/reports/", _outside_payload(), format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 422
    assert response["Content-Language"] == language
    assert response.json()["detail"] == _in(language, OUTSIDE_DETAIL) != OUTSIDE_DETAIL


def test_an_unauthenticated_caller_gets_the_problem_title_in_french(anonymous, service_area):
    response = anonymous.post("/api/v1/reports/", factories.report_payload(), format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "urn:lantern:problem:not-authenticated"
    assert body["title"] == _in("fr", "Authentication required") != "Authentication required"
    assert response["Content-Language"] == "fr"


def test_a_regional_variant_is_answered_in_its_language(citizen):
    response = citizen.client.post(
        "/api/v1/reports/", _outside_payload(), format="json", HTTP_ACCEPT_LANGUAGE="nl-BE,nl;q=0.9,en;q=0.5"
    )
    assert response.json()["detail"] == _in("nl", OUTSIDE_DETAIL)


def test_a_language_lantern_does_not_speak_falls_back_to_english(citizen):
    response = citizen.client.post("/api/v1/reports/", _outside_payload(), format="json", HTTP_ACCEPT_LANGUAGE="pt-PT")
    assert response.status_code == 422
    assert response["Content-Language"] == "en"
    assert response.json()["detail"] == OUTSIDE_DETAIL


@pytest.mark.parametrize(("locale", "language"), [("nl-BE", "nl"), ("de_AT", "de"), ("pt-BR", "en")])
def test_it_answers_a_device_without_accept_language_in_the_language_it_registered_with(service_area, locale,
                                                                                          language):
    from rest_framework.test import APIClient

    _device, token = factories.device_create(locale=locale)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post("/api/v1/reports/", _outside_payload(), format="json")
    assert response.status_code == 422
    assert response["Content-Language"] == language
    assert response.json()["detail"] == _in(language, OUTSIDE_DETAIL)
    german = client.post("/api/v1/reports/", _outside_payload(), format="json", HTTP_ACCEPT_LANGUAGE="de")
    assert german.json()["detail"] == _in("de", OUTSIDE_DETAIL)
