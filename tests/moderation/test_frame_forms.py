"""The frames' verb forms: committed beside the lexicons as the builder makes them, read as plain data."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from moderation.rules.frame_forms import FORMS_DIRECTORY, forms_path
from moderation.rules.lexicon import LEXICON_DIR, LexiconError, lexicons, vocabulary_matcher

ROOT = Path(__file__).resolve().parents[2]


def test_it_commits_the_forms_the_builder_makes_from_the_lexicons(tmp_path: Path) -> None:
    # Slow (it reads simplemma's six dictionaries once): this is what keeps a lexicon and its forms together.
    for path in LEXICON_DIR.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    out = StringIO()
    call_command("moderation_forms_build", "--directory", str(tmp_path), stdout=out)
    built = sorted(path.name for path in (tmp_path / FORMS_DIRECTORY).iterdir())
    assert built == sorted(path.name for path in LEXICON_DIR.glob("*.json"))
    for name in built:
        committed = (LEXICON_DIR / FORMS_DIRECTORY / name).read_text(encoding="utf-8")
        assert (tmp_path / FORMS_DIRECTORY / name).read_text(encoding="utf-8") == committed, (
            f"{FORMS_DIRECTORY}/{name} is not what the builder makes: run python manage.py moderation_forms_build"
        )
    assert "it: 37 lemmas" in out.getvalue()


def test_it_stores_every_form_of_a_listed_verb() -> None:
    forms = json.loads(forms_path(LEXICON_DIR, "it").read_text(encoding="utf-8"))["forms"]
    assert {"spezzo", "spezzerò", "spezzate", "spezzatelo"} <= set(forms["spezzare"])
    assert "retenedlo" in json.loads(forms_path(LEXICON_DIR, "es").read_text(encoding="utf-8"))["forms"]["retener"]


def test_it_refuses_a_lexicon_whose_new_verb_has_no_stored_forms(tmp_path: Path) -> None:
    data = json.loads((LEXICON_DIR / "en.json").read_text(encoding="utf-8"))
    data["frames"]["harm_lemmas"].append("defenestrate")
    (tmp_path / "en.json").write_text(json.dumps(data), encoding="utf-8")
    shutil.copytree(LEXICON_DIR / FORMS_DIRECTORY, tmp_path / FORMS_DIRECTORY)
    lexicons(tmp_path)
    with pytest.raises(LexiconError, match=r"en\.json, frames\.harm_lemmas: .*'defenestrate'.*moderation_forms_build"):
        vocabulary_matcher("en", tmp_path)


def test_it_warms_up_without_loading_simplemma() -> None:
    probe = "import sys\nfrom moderation.engine import warm_up\nwarm_up()\nprint('simplemma' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
