"""Keep the subscriptions' visibility map fresh, so that the matching query's index-only scan stays index-only.

An index-only scan still reads the table page of every entry whose page is not marked all-visible, and only
VACUUM marks pages. Adding the generated columns (0006) rewrote the table, with no page marked; and
autovacuum's defaults wait for 20 % of the rows to change. VACUUM once now, then after 1 % of changes.
VACUUM cannot run inside a transaction, hence a migration of its own, not atomic.
"""

from django.db import migrations


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ("alerts", "0006_subscription_match_index"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE alerts_subscription SET (autovacuum_vacuum_scale_factor = 0.01,"
            " autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02)",
            "ALTER TABLE alerts_subscription RESET (autovacuum_vacuum_scale_factor,"
            " autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor)",
        ),
        migrations.RunSQL("VACUUM (ANALYZE) alerts_subscription", migrations.RunSQL.noop),
    ]
