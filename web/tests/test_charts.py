"""The economy tab's data: the banks' rates drawn per tick, shocks and days that explain the
series, an inverted range refused in words, and every chart's data as CSV."""

from __future__ import annotations

import csv
import io

import pytest

from orchestration.advance import simulation_advance
from simulations.engine.shocks import SHOCK_TYPES
from simulations.services import shock_create
from web.charts import CHART_IDS, SHOCK_LABELS

pytestmark = pytest.mark.django_db


@pytest.fixture
def ran(household):
    """Four ticks (two days) with an income shock in force at ticks 2 and 3."""
    shock_create(simulation_id=household.simulation_id, spec={
        "type": "income", "target": {"all": True}, "params": {"cents_per_household": 10_000},
        "start_tick": 2, "duration_ticks": 2})
    simulation_advance(simulation_id=household.simulation_id, expected_tick=0, ticks=4)
    return household.simulation


def _series(client, simulation, **params):
    return client.get(f"/dashboard/economy/{simulation.pk}/series/", params)


def _csv(client, simulation, chart, **params):
    response = client.get(f"/dashboard/economy/{simulation.pk}/series/{chart}.csv", params)
    return response, list(csv.reader(io.StringIO(b"".join(response.streaming_content)
                                                 .decode()))) if response.status_code == 200 \
        else None


def test_every_shock_type_has_a_name_on_the_charts():
    assert set(SHOCK_LABELS) == set(SHOCK_TYPES)


def test_the_rates_chart_draws_the_banks_rates_of_every_tick(client, owner, ran):
    client.force_login(owner)
    data = _series(client, ran).json()
    rates = {series["key"]: series["data"] for series in data["charts"]["rates"]}
    assert list(rates) == ["policy_rate", "avg_loan_rate", "avg_deposit_rate"]
    assert all(len(values) == 4 and None not in values for values in rates.values())
    assert all(loan > deposit >= 0 for loan, deposit in zip(rates["avg_loan_rate"],
                                                            rates["avg_deposit_rate"],
                                                            strict=True))
    # The last point is the rate the public state shows now (both in percent).
    assert rates["avg_loan_rate"][-1] == data["rates_now"]["avg_loan_rate"]


def test_the_series_carry_the_shocks_and_the_days(client, owner, ran):
    client.force_login(owner)
    data = _series(client, ran).json()
    assert data["days"] == [1, 1, 2, 2]
    assert data["shocks"] == [{"type": "income", "label": "Income shock", "start": 2, "end": 3}]
    assert _series(client, ran, tick_from=4).json()["shocks"] == []  # over by then
    zh = client.get(f"/dashboard/economy/{ran.pk}/series/",
                    headers={"Accept-Language": "zh-hans"}).json()
    assert zh["shocks"][0]["label"] == "收入冲击"


@pytest.mark.parametrize(("params", "text"), [
    ({"day_from": 5, "day_to": 2}, "The day range is inverted: no tick lies from day 5 to day "
                                   "2. Put the earlier day first."),
    ({"tick_from": 9, "tick_to": 1}, "The tick range is inverted: no tick lies from tick 9 to "
                                     "tick 1. Put the earlier tick first."),
    ({"tick_from": "soon"}, "From tick: Enter a whole number."),
])
def test_a_bad_range_is_refused_in_words(client, owner, ran, params, text):
    client.force_login(owner)
    response = _series(client, ran, **params)
    assert response.status_code == 400 and response.json()["message"] == text
    response, _ = _csv(client, ran, "gdp", **params)
    assert response.status_code == 400 and response.content.decode() == text
    # The page drawn with that range (no JavaScript needed) says it too.
    html = client.get("/dashboard/", {"tab": "economy", **params}).content.decode()
    assert text in html


@pytest.mark.parametrize("chart", CHART_IDS)
def test_every_chart_downloads_as_csv_with_the_charts_data(client, owner, ran, chart):
    client.force_login(owner)
    series = _series(client, ran, tick_from=2).json()
    response, rows = _csv(client, ran, chart, tick_from=2)
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="econsim-{ran.pk}-{chart}.csv"' in response["Content-Disposition"]
    keys = [s["key"] for s in series["charts"][chart]]
    assert rows[0] == ["tick", "day", *keys, "shocks"]
    assert [int(row[0]) for row in rows[1:]] == series["ticks"] == [2, 3, 4]
    for i in range(len(keys)):
        column = [float(row[2 + i]) for row in rows[1:]]
        assert column == series["charts"][chart][i]["data"]
    assert [row[-1] for row in rows[1:]] == ["income", "income", ""]


def test_the_economy_tab_links_each_charts_csv_for_its_range(client, owner, ran):
    client.force_login(owner)
    html = client.get("/dashboard/", {"tab": "economy", "day_from": 2}).content.decode()
    for chart in CHART_IDS:
        assert f'href="/dashboard/economy/{ran.pk}/series/{chart}.csv?day_from=2"' in html


def test_csv_refuses_strangers_and_unknown_charts(client, owner, other_user, ran):
    client.force_login(other_user)
    assert _csv(client, ran, "gdp")[0].status_code == 404
    client.force_login(owner)
    assert _csv(client, ran, "weather")[0].status_code == 404
