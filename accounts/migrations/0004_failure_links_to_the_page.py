"""Failure and unmount notices made before this linked to the JSON of /api/me/failures/; they
now open the dashboard's failures tab, like the new ones (scripts_lib/tick/strikes.py)."""

from django.db import migrations

OLD_PREFIX = "/api/me/failures/"
PAGE = "/dashboard/?tab=failures"


def links_to_the_page(apps, schema_editor):
    Notification = apps.get_model("accounts", "Notification")
    Notification.objects.filter(link__startswith=OLD_PREFIX).update(link=PAGE)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_notification")]

    operations = [migrations.RunPython(links_to_the_page, migrations.RunPython.noop)]
