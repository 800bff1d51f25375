"""The records every part talks about, moved here from alerts. Only Django's idea of them moves: the tables
keep their names (db_table), so nothing in the database changes but the content types' app label."""

import django.contrib.gis.db.models.fields
import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
import reports.models
import uuid
from django.db import migrations, models

MOVED = ["servicearea", "district", "category", "device", "report", "reportphoto"]


def _content_types_relabel(apps, source: str, target: str) -> None:
    # Permissions and admin log entries hang on the content type's id: relabelling it keeps them all.
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        # A type made for the target by an earlier run (e.g. post_migrate after a partial upgrade) holds nothing yet.
        if content_type.objects.filter(app_label=source, model=model).exists():
            content_type.objects.filter(app_label=target, model=model).delete()
            content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def content_types_move(apps, schema_editor):
    _content_types_relabel(apps, "alerts", "reports")


def content_types_back(apps, schema_editor):
    _content_types_relabel(apps, "reports", "alerts")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('alerts', '0007_subscription_visibility'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='Category',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('code', models.CharField(max_length=64, unique=True)),
                    ('group', models.CharField(choices=[('property', 'Property crime'), ('violence', 'Violence'), ('harassment', 'Harassment'), ('antisocial', 'Antisocial behaviour'), ('insecurity', 'Insecurity factors')], max_length=20)),
                    ('labels', models.JSONField(help_text="Label per language code, e.g. {'en': 'Bicycle theft'}")),
                    ('descriptions', models.JSONField(blank=True, default=dict)),
                    ('sensitive', models.BooleanField(default=False)),
                    ('signals_danger', models.BooleanField(default=False)),
                    ('corroboration', models.CharField(choices=[('never', 'Never alerted'), ('moderator', 'A moderator approved it'), ('two_devices', 'Two devices nearby within the hour'), ('either', 'Moderator or two devices')], default='moderator', max_length=12)),
                    ('position', models.PositiveSmallIntegerField(default=0)),
                    ('is_active', models.BooleanField(default=True)),
                ],
                options={
                    'verbose_name_plural': 'categories',
                    'db_table': 'alerts_category',
                    'ordering': ['position', 'code'],
                },
            ),
            migrations.CreateModel(
                name='Device',
                fields=[
                    ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                    ('token_hash', models.CharField(editable=False, max_length=64, unique=True)),
                    ('platform', models.CharField(choices=[('android', 'Android'), ('ios', 'iOS'), ('web', 'Web')], max_length=10)),
                    ('locale', models.CharField(default='en', max_length=16)),
                    ('time_zone', models.CharField(default='UTC', max_length=64)),
                    ('push_token', models.CharField(blank=True, default='', max_length=4096)),
                    ('push_enabled', models.BooleanField(default=True)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('last_seen_at', models.DateTimeField(blank=True, null=True)),
                    ('quiet_hours_start', models.TimeField(blank=True, null=True)),
                    ('quiet_hours_end', models.TimeField(blank=True, null=True)),
                    ('daily_push_cap', models.PositiveSmallIntegerField(default=reports.models._daily_push_cap_default)),
                    ('push_day', models.DateField(blank=True, editable=False, null=True)),
                    ('push_count', models.PositiveSmallIntegerField(default=0, editable=False)),
                ],
                options={
                    'db_table': 'alerts_device',
                },
            ),
            migrations.CreateModel(
                name='District',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=120)),
                    ('slug', models.SlugField(max_length=120)),
                    ('boundary', django.contrib.gis.db.models.fields.MultiPolygonField(srid=4326)),
                ],
                options={
                    'db_table': 'alerts_district',
                    'ordering': ['name'],
                },
            ),
            migrations.CreateModel(
                name='Report',
                fields=[
                    ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                    ('source', models.CharField(choices=[('app', 'Citizen app'), ('open311', 'Open311'), ('demo', 'Demo data')], default='app', max_length=10)),
                    ('kind', models.CharField(choices=[('incident', 'Incident'), ('insecurity', 'Feeling of insecurity')], max_length=12)),
                    ('description', models.TextField(blank=True, default='')),
                    ('public_description', models.TextField(blank=True, default='')),
                    ('language', models.CharField(default='en', max_length=8)),
                    ('location', django.contrib.gis.db.models.fields.PointField(srid=4326)),
                    ('accuracy_m', models.PositiveIntegerField(blank=True, null=True)),
                    ('location_precision', models.CharField(choices=[('exact', 'Exact'), ('coarse', 'Coarsened')], default='exact', max_length=8)),
                    ('occurred_at', models.DateTimeField()),
                    ('consent_police', models.BooleanField(default=False)),
                    ('consent_victim_support', models.BooleanField(default=False)),
                    ('consent_public_alert', models.BooleanField(default=False)),
                    ('perception', models.PositiveSmallIntegerField(blank=True, null=True)),
                    ('factors', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=64), blank=True, default=list)),
                    ('status', models.CharField(choices=[('received', 'Received'), ('pending_review', 'Pending review'), ('published', 'Published'), ('rejected', 'Rejected'), ('withdrawn', 'Withdrawn')], default='received', max_length=16)),
                    ('emergency', models.BooleanField(default=False)),
                    ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                    ('updated_at', models.DateTimeField(auto_now=True)),
                    ('withdrawn_at', models.DateTimeField(blank=True, null=True)),
                    ('erased_at', models.DateTimeField(blank=True, help_text='When text and exact location were erased', null=True)),
                    ('contact', models.JSONField(blank=True, default=dict, help_text='Phone or e-mail for victim support; never public')),
                    ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='reports.category')),
                    ('device', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reports', to='reports.device')),
                    ('district', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='reports.district')),
                ],
                options={
                    'db_table': 'alerts_report',
                    'ordering': ['-created_at'],
                },
            ),
            migrations.CreateModel(
                name='ReportPhoto',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('file', models.FileField(max_length=200, upload_to=reports.models._photo_path)),
                    ('content_type', models.CharField(max_length=20)),
                    ('width', models.PositiveIntegerField()),
                    ('height', models.PositiveIntegerField()),
                    ('size_bytes', models.PositiveIntegerField()),
                    ('sha256', models.CharField(max_length=64)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='reports.report')),
                ],
                options={
                    'db_table': 'alerts_reportphoto',
                },
            ),
            migrations.CreateModel(
                name='ServiceArea',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=120, unique=True)),
                    ('boundary', django.contrib.gis.db.models.fields.MultiPolygonField(srid=4326)),
                    ('center', django.contrib.gis.db.models.fields.PointField(srid=4326)),
                    ('is_active', models.BooleanField(default=True)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                ],
                options={
                    'db_table': 'alerts_servicearea',
                    'constraints': [models.UniqueConstraint(condition=models.Q(('is_active', True)), fields=('is_active',), name='one_active_service_area')],
                },
            ),
            migrations.AddField(
                model_name='district',
                name='service_area',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='districts', to='reports.servicearea'),
            ),
            migrations.AddIndex(
                model_name='report',
                index=models.Index(fields=['device', '-created_at'], name='report_device_recent'),
            ),
            migrations.AddIndex(
                model_name='report',
                index=models.Index(fields=['status', 'created_at'], name='report_status_age'),
            ),
            migrations.AddIndex(
                model_name='report',
                index=django.contrib.postgres.indexes.GinIndex(fields=['factors'], name='report_factors'),
            ),
            migrations.AddConstraint(
                model_name='report',
                constraint=models.CheckConstraint(condition=models.Q(('perception__isnull', True), models.Q(('perception__gte', 1), ('perception__lte', 5)), _connector='OR'), name='report_perception_1_5'),
            ),
            migrations.AddConstraint(
                model_name='report',
                constraint=models.CheckConstraint(condition=models.Q(('kind', 'insecurity'), ('perception__isnull', True), _connector='OR'), name='report_perception_only_insecurity'),
            ),
            migrations.AddConstraint(
                model_name='district',
                constraint=models.UniqueConstraint(fields=('service_area', 'slug'), name='district_slug_unique'),
            ),
        ]),
        migrations.RunPython(content_types_move, content_types_back),
    ]
