"""ServiceArea, District, Category, Device, Report and ReportPhoto left for reports (same tables): Django's
state only; alerts' own relations now point there."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('alerts', '0007_subscription_visibility'),
        ('maps', '0002_service_area_in_reports'),
        ('moderation', '0004_report_in_reports'),
        ('referrals', '0003_report_in_reports'),
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='alert',
                name='category',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='reports.category'),
            ),
            migrations.AlterField(
                model_name='pushdelivery',
                name='device',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='reports.device'),
            ),
            migrations.AlterField(
                model_name='subscription',
                name='device',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='subscriptions', to='reports.device'),
            ),
            migrations.RemoveConstraint(
                model_name='district',
                name='district_slug_unique',
            ),
            migrations.RemoveIndex(
                model_name='report',
                name='report_device_recent',
            ),
            migrations.RemoveIndex(
                model_name='report',
                name='report_status_age',
            ),
            migrations.RemoveIndex(
                model_name='report',
                name='report_factors',
            ),
            migrations.RemoveConstraint(
                model_name='report',
                name='report_perception_1_5',
            ),
            migrations.RemoveConstraint(
                model_name='report',
                name='report_perception_only_insecurity',
            ),
            migrations.AlterField(
                model_name='alertreport',
                name='report',
                field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='alert_link', to='reports.report'),
            ),
            migrations.RemoveField(
                model_name='reportphoto',
                name='report',
            ),
            migrations.RemoveField(
                model_name='alert',
                name='reports',
            ),
            migrations.RemoveConstraint(
                model_name='servicearea',
                name='one_active_service_area',
            ),
            migrations.RemoveField(
                model_name='district',
                name='service_area',
            ),
            migrations.RemoveField(
                model_name='report',
                name='category',
            ),
            migrations.RemoveField(
                model_name='report',
                name='device',
            ),
            migrations.RemoveField(
                model_name='report',
                name='district',
            ),
            migrations.DeleteModel(
                name='ReportPhoto',
            ),
            migrations.AddField(
                model_name='alert',
                name='reports',
                field=models.ManyToManyField(related_name='alerts', through='alerts.AlertReport', to='reports.report'),
            ),
            migrations.DeleteModel(
                name='ServiceArea',
            ),
            migrations.DeleteModel(
                name='Category',
            ),
            migrations.DeleteModel(
                name='Device',
            ),
            migrations.DeleteModel(
                name='District',
            ),
            migrations.DeleteModel(
                name='Report',
            ),
        ]),
    ]
