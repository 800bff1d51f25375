"""The report taxonomy: a data file every database is synced with."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from reports.models import Category
from reports.taxonomy import group_label, taxonomy_load, taxonomy_sync

LANGUAGES = [code for code, _ in settings.LANGUAGES]


def test_every_category_has_a_label_in_every_language():
    for category in taxonomy_load()["categories"]:
        missing = [lang for lang in LANGUAGES if not category["labels"].get(lang, "").strip()]
        assert not missing, f"{category['code']} lacks {missing}"


def test_every_group_has_a_label_in_every_language():
    groups = taxonomy_load()["groups"]
    assert set(groups) == set(Category.Group.values)
    for code, group in groups.items():
        assert all(group["labels"].get(lang, "").strip() for lang in LANGUAGES), code


def test_codes_are_unique_dotted_and_prefixed_by_their_group():
    codes = [category["code"] for category in taxonomy_load()["categories"]]
    assert len(codes) == len(set(codes))
    for category in taxonomy_load()["categories"]:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", category["code"]), category["code"]
        assert category["code"].split(".")[0] == category["group"]


def test_sexual_and_domestic_violence_are_sensitive_and_signal_danger():
    by_code = {category["code"]: category for category in taxonomy_load()["categories"]}
    for code in ("violence.sexual", "violence.domestic"):
        assert by_code[code]["sensitive"] and by_code[code]["signals_danger"]
    assert by_code["harassment.sexual"]["sensitive"]


def test_group_label_falls_back_to_english_then_to_the_code():
    assert group_label("property", "nl") == "Vermogensdelicten"
    assert group_label("property", "fr-BE") == "Atteintes aux biens"
    assert group_label("property", "pt") == "Property crime"
    assert group_label("unknown", "en") == "unknown"


@pytest.mark.django_db
def test_the_migration_loaded_the_taxonomy():
    codes = {category["code"] for category in taxonomy_load()["categories"]}
    assert set(Category.objects.filter(is_active=True).values_list("code", flat=True)) == codes
    assert Category.objects.get(code="violence.weapon").signals_danger


@pytest.mark.django_db
def test_sync_is_idempotent():
    taxonomy_sync()
    before = list(Category.objects.order_by("code").values())
    assert taxonomy_sync() == 0
    assert list(Category.objects.order_by("code").values()) == before


@pytest.mark.django_db
def test_sync_restores_edited_labels_and_flags():
    Category.objects.filter(code="violence.sexual").update(sensitive=False, labels={"en": "changed"})
    assert taxonomy_sync() == 1
    category = Category.objects.get(code="violence.sexual")
    assert category.sensitive
    assert category.labels["en"] == "Sexual violence"


@pytest.mark.django_db
def test_sync_deactivates_a_code_removed_from_the_file_and_keeps_the_row():
    Category.objects.create(code="property.retired", group="property", labels={"en": "Retired"})
    assert taxonomy_sync() == 1
    retired = Category.objects.get(code="property.retired")
    assert not retired.is_active
    assert taxonomy_sync() == 0


@pytest.mark.django_db
def test_it_dates_the_categories_a_sync_changes_or_retires_and_no_others():
    long_ago = timezone.now() - timedelta(days=30)
    Category.objects.update(updated_at=long_ago)
    Category.objects.filter(code="property.vandalism").update(labels={"en": "Old name"})
    retired = Category.objects.create(code="property.retired", group="property", labels={"en": "Gone"})
    Category.objects.filter(pk=retired.pk).update(updated_at=long_ago)
    taxonomy_sync()
    moved = set(Category.objects.filter(updated_at__gt=long_ago).values_list("code", flat=True))
    assert moved == {"property.vandalism", "property.retired"}
