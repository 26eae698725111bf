"""The repository's own numbered reading of the documented rules (properties/rules.py):
every number 000.1-000.5, 003.1-003.12, 004.1-004.10 exactly once and in order,
each with a text and its Microsoft page; every rule a catalog entry cites
resolves; a bad number is a one-line InputError."""

from __future__ import annotations

import dataclasses

import pytest

from scmcheck.model.lang.errors import InputError
from scmcheck.properties.catalog import PROPERTIES
from scmcheck.properties.rules import MODEL_SANITY, RULES, SOURCES, Rule, rule

EXPECTED = ([f"000.{i}" for i in range(1, 6)] + [f"003.{i}" for i in range(1, 13)]
            + [f"004.{i}" for i in range(1, 11)])


def test_every_number_once_in_order():
    assert [r.number for r in RULES] == EXPECTED


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.number)
def test_rule_has_text_and_source(r):
    assert isinstance(r, Rule)
    assert r.text.strip() and "\n" not in r.text
    assert r.document == r.number.split(".")[0]
    src = SOURCES[r.document]
    assert r.source_title == src.title and r.source_title.strip()
    assert r.source_url == src.url and r.source_url.startswith("https://learn.microsoft.com/")
    assert rule(r.number) is r


def test_sources_are_the_three_pages():
    assert set(SOURCES) == {"000", "003", "004"}
    assert len({s.url for s in SOURCES.values()}) == 3
    assert all(s.url.startswith("https://learn.microsoft.com/windows/win32/") for s in SOURCES.values())


def test_rules_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        RULES[0].text = "x"  # type: ignore[misc]


def test_documented_numbers_are_kept():
    assert "30 seconds" in rule("003.6").text
    assert "20 seconds" in rule("003.8").text
    assert "125 seconds" in rule("003.9").text and "125,000 ms" in rule("003.9").text
    assert "WaitToKillServiceTimeout" in rule("003.9").text
    assert "0x1E0" in rule("003.12").text
    assert "REGCLS_SUSPENDED" in rule("004.10").text
    assert "contradiction" in rule("000.5").text
    assert "CoRevokeClassObject" in rule("004.7").text and "CoUninitialize" in rule("004.7").text


def test_catalog_rules_resolve():
    cited = {n for p in PROPERTIES for n in p.rules if n != MODEL_SANITY}
    assert cited, "the catalog cites no rules"
    for n in sorted(cited):
        assert rule(n).number == n


def test_model_sanity_is_not_a_rule():
    assert MODEL_SANITY == "model sanity"
    assert MODEL_SANITY not in {r.number for r in RULES}
    with pytest.raises(InputError):
        rule(MODEL_SANITY)


@pytest.mark.parametrize("bad", ["003.13", "000.0", "001.1", "3.6", "", "000.3\n004.1", None, 3.6])
def test_bad_number_is_one_line_input_error(bad):
    with pytest.raises(InputError) as exc:
        rule(bad)  # type: ignore[arg-type]
    msg = str(exc.value)
    assert "\n" not in msg
    assert "000.1-000.5" in msg and "003.1-003.12" in msg and "004.1-004.10" in msg
