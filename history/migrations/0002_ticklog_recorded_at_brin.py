"""BRIN index on TickLog.recorded_at (PostgreSQL only): retention deletes by age, and rows are
appended in time order, so a few kilobytes of block ranges replace a btree over every row.
SQLite (the embedded mode) has no BRIN and keeps no long history; it gets nothing."""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS hist_log_recorded_brin ON history_ticklog USING brin (recorded_at)"
DROP = "DROP INDEX IF EXISTS hist_log_recorded_brin"


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("history", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP), elidable=False)]
