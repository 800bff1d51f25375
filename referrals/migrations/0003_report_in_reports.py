"""Reports and categories now live in reports (same tables): Django's state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0002_partners_and_referral_outbox'),
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='partner',
                name='categories',
            ),
            migrations.AlterField(
                model_name='referral',
                name='report',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='referrals', to='reports.report'),
            ),
            migrations.AddField(
                model_name='partner',
                name='categories',
                field=models.ManyToManyField(blank=True, help_text='Categories handled; none means all', related_name='+', to='reports.category'),
            ),
        ]),
    ]
