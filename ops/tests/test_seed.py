from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import Profile

pytestmark = pytest.mark.django_db


def _state() -> list[tuple]:
    User = get_user_model()
    return sorted(User.objects.values_list("username", "is_staff", "password", "email"))


def test_seed_creates_operator_and_demo_then_changes_nothing(capsys, settings):
    settings.OPERATOR_PASSWORD = ""
    settings.DEMO_PASSWORD = "demo-pass-123"
    call_command("seed")
    first = capsys.readouterr().out
    assert "created operator operator" in first
    assert "created user demo" in first
    assert "password of operator:" in first  # generated, printed once
    assert "password of demo" not in first  # chosen through DEMO_PASSWORD

    before = _state()
    call_command("seed")
    second = capsys.readouterr().out
    assert "nothing to do" in second
    assert "password" not in second
    assert _state() == before

    User = get_user_model()
    operator = User.objects.get(username="operator")
    assert operator.is_staff and operator.is_superuser
    assert User.objects.get(username="demo").check_password("demo-pass-123")
    assert Profile.objects.count() == 2
    assert EmailAddress.objects.filter(primary=True).count() == 2
