"""Reports now live in reports (same table): Django's state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('moderation', '0003_audit_withdrawn'),
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='case',
                name='report',
                field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='case', to='reports.report'),
            ),
        ]),
    ]
