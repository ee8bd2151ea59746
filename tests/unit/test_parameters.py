"""Council parameters are defined once (sucre.domain.parameters) and every edge uses that list."""

from __future__ import annotations

from fractions import Fraction

import pytest
from sqlalchemy import create_engine
from typer.testing import CliRunner

from sucre.domain import parameters
from sucre.domain.errors import InvalidInput
from sucre.domain.financing import ReserveFund, Unfinanced
from sucre.domain.money import USD
from sucre.domain.periods import CalendarKind
from sucre.entrypoints.api import create_app
from sucre.entrypoints.cli import app


@pytest.mark.parametrize("definition", parameters.DEFINITIONS, ids=parameters.NAMES)
def test_every_default_is_a_value_its_own_parser_accepts(
        definition: parameters.Parameter[object]) -> None:
    assert definition.parse(definition.default) == definition.read(definition.default)


def test_defaults_read_back_typed() -> None:
    values = parameters.ParameterValues({})
    assert values[parameters.CALENDAR] is CalendarKind.SEMESTER
    assert values[parameters.SETTLEMENT_CURRENCY] == USD
    assert values[parameters.CORRIDOR_ALERT_SHARE] == Fraction(1, 2)
    assert values[parameters.FIXING_DEVIATION_MAX] == Fraction(1, 4)
    assert isinstance(values[parameters.DEFICIT_FINANCING], Unfinanced)


def test_stored_text_reads_back_typed_including_older_share_syntax() -> None:
    # Shares decided under the first rule (Fraction text) were stored as given.
    values = parameters.ParameterValues({"corridor_alert_share": "1/2",
                                         "deficit_financing": "frcc", "calendar": "daily"})
    assert values[parameters.CORRIDOR_ALERT_SHARE] == Fraction(1, 2)
    assert isinstance(values[parameters.DEFICIT_FINANCING], ReserveFund)
    assert values[parameters.CALENDAR] is CalendarKind.DAILY


@pytest.mark.parametrize(("name", "value", "field"), [
    ("corridor_alert_share", "1/2", "value"), ("corridor_alert_share", "0", "value"),
    ("settlement_currency", "XXX", "value"), ("deficit_financing", "ALBA", "value"),
    ("deficit_financing", " ", "value"), ("calendar", "weekly", "calendar"),
    ("oil_price", "40", "name")])
def test_a_decision_is_validated_by_its_definition(name: str, value: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parameters.decided_text(name, value)
    assert caught.value.field == field


def test_a_valid_decision_is_stored_as_given_stripped() -> None:
    assert parameters.decided_text("deficit_financing", " FRCC ") == "FRCC"


def test_the_api_lists_the_defined_parameter_names() -> None:
    document = create_app(create_engine("sqlite://")).openapi()
    name = document["components"]["schemas"]["ParameterIn"]["properties"]["name"]
    assert tuple(name["enum"]) == parameters.NAMES
    described = document["paths"]["/v1/council/parameters"]["post"]["description"]
    assert all(f"{n} (" in described for n in parameters.NAMES)


def test_the_cli_help_describes_every_parameter() -> None:
    result = CliRunner().invoke(app, ["parameter", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for definition in parameters.DEFINITIONS:
        assert f"{definition.name} ({definition.accepts()}; default {definition.default})" \
            in result.output
