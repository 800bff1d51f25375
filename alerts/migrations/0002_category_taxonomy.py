"""Loads the report taxonomy, so every database (test databases included) has the categories."""

from django.db import migrations

from reports.taxonomy import taxonomy_sync


def categories_load(apps, schema_editor):
    taxonomy_sync(category_model=apps.get_model("alerts", "Category"))


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0001_initial"),
    ]

    operations = [
        # Reversing keeps the rows: reports may already point at them (on_delete=PROTECT).
        migrations.RunPython(categories_load, migrations.RunPython.noop),
    ]
