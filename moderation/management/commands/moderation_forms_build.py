"""``manage.py moderation_forms_build``: write the frames' verb forms beside the lexicons.

Run it after editing a lexicon's ``harm_lemmas``, ``detain_lemmas`` or ``publish_lemmas`` (or adding a
language), and commit the files it writes (``moderation/lexicons/frame_forms/<language>.json``). It reads
simplemma's dictionaries, a development dependency: about 3 s of CPU for the six languages.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation.rules.frame_forms import forms_files_build, forms_path
from moderation.rules.lexicon import LEXICON_DIR


class Command(BaseCommand):
    help = "Write every inflected form of the intent frames' verb lemmas, per language, beside the lexicons."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--directory", type=Path, default=LEXICON_DIR, help="the lexicon directory")

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        started = time.process_time()
        try:
            files = forms_files_build(directory, report=self.stdout.write)
        except ImportError as error:
            raise CommandError(f"{error}: install the development requirements (requirements-dev.lock)") from error
        if not files:
            raise CommandError(f"no lexicon files in {directory}")
        for language, text in files.items():
            path = forms_path(directory, language)
            path.parent.mkdir(exist_ok=True)
            changed = not path.exists() or path.read_text(encoding="utf-8") != text
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"{path}: {'written' if changed else 'unchanged'}")
        self.stdout.write(f"{len(files)} languages in {time.process_time() - started:.1f} s CPU")
