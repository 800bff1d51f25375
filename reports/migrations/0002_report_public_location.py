import django.contrib.gis.db.models.fields
import django.contrib.gis.geos
from django.db import migrations


def _public_locations_give(apps, schema_editor):
    """Every published report gets its one public place: the point its alert already shows when it has
    one (a second draw could be averaged with it), otherwise a new draw, made once here."""
    from reports.public_form import public_location_draw

    Report = apps.get_model("reports", "Report")
    AlertReport = apps.get_model("alerts", "AlertReport")
    shown = {}
    for report_id, point in AlertReport.objects.order_by("created_at", "id").values_list("report_id", "alert__point"):
        shown.setdefault(report_id, point)
    batch = []
    for report in Report.objects.filter(status="published", public_location__isnull=True).only("id", "location"):
        alert_point = shown.get(report.pk)
        if alert_point is not None:
            report.public_location = django.contrib.gis.geos.Point(alert_point.x, alert_point.y, srid=4326)
        else:
            report.public_location = public_location_draw(report.location)
        batch.append(report)
        if len(batch) >= 1000:
            Report.objects.bulk_update(batch, ["public_location"])
            batch = []
    Report.objects.bulk_update(batch, ["public_location"])


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0001_initial'),
        ('alerts', '0008_reports_moved_out'),
    ]

    operations = [
        migrations.AddField(
            model_name='report',
            name='public_location',
            field=django.contrib.gis.db.models.fields.PointField(blank=True, null=True, srid=4326),
        ),
        migrations.RunPython(_public_locations_give, migrations.RunPython.noop),
    ]
