from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_models_and_their_migrations_agree():
    call_command("makemigrations", "history", "--check", "--dry-run", verbosity=0)


@pytest.mark.services
def test_postgresql_gets_the_brin_index_on_log_times():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                       ["hist_log_recorded_brin"])
        assert "USING brin (recorded_at)" in cursor.fetchone()[0]
