"""Typed filters (issue 14 item 2): ``search``/``export`` ``--where`` answered from the
index, equal to a Python filter over the generated data."""

from __future__ import annotations

import json
import random
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest
from click.testing import CliRunner

from cms_dav.app import build_app
from cms_dav.cli import cli
from cms_dav.config import load_settings
from tests.contacts.index_support import book, card_data, vcard
from tests.contacts.test_custom_fields import FIELDS_TOML

LEVEL = '\n[fields.level]\ntype = "choice"\nchoices = ["A", "B", "C"]\n'
CITIES = ["上海", "Shanghai", "Kraków", "Beijing"]
CATEGORIES = ["潜在客户", "VIP", "Partner"]
NOW = time.time()


def person(i: int, rng: random.Random) -> dict[str, Any]:
    return {
        "uid": f"p{i}",
        "spend": rng.choice([None, "9000", "50000", "49999.5", "120000", "0", "-5"]),
        "level": rng.choice([None, "A", "B", "C"]),
        "industry": rng.choice([None, "Manufacturing", "Retail"]),
        "first-order": rng.choice([None, "2024-12-31", "2025-06-01", "2026-01-01",
                                   "2026-03-15"]),
        "vip": rng.choice([None, "true", "false"]),
        "city": rng.choice([None, *CITIES]),
        "category": rng.choice([None, *CATEGORIES]),
        "contacted_days_ago": rng.choice([None, 2, 29, 31, 400]),
    }


PEOPLE = [person(i, random.Random(1400 + i)) for i in range(80)]


def card_text(p: dict[str, Any]) -> str:
    lines = [f"X-CMS-FIELD:{key};{p[key]}" for key in
             ("spend", "level", "industry", "first-order", "vip") if p[key] is not None]
    if p["city"]:
        lines.append(f"ADR;TYPE=work:;;1 Road;{p['city']};;;")
    if p["category"]:
        lines.append(f"CATEGORIES:{p['category']}")
    if p["contacted_days_ago"] is not None:
        at = datetime.fromtimestamp(NOW, timezone.utc) - timedelta(days=p["contacted_days_ago"])
        lines.append(f"X-CMS-INTERACTION:i-{p['uid']};call;{at:%Y%m%dT%H%M%SZ};alice;;hello")
    return vcard(p["uid"], f"Person {p['uid']}", *lines)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("filters") / "var"
    store = build_app(load_settings(folder)).store
    book(store, "alice/contacts")
    book(store, "alice/other")
    for p in PEOPLE:
        path = "alice/contacts" if int(p["uid"][1:]) % 4 else "alice/other"
        # stored as given (no upload filter): the test data pins interaction times
        store.put_item(path, f"{p['uid']}.vcf", card_data(card_text(p), p["uid"]), "alice",
                       apply_filters=False)
    (folder / "fields.toml").write_text(FIELDS_TOML + LEVEL, encoding="utf-8")
    return folder


def number(p: dict[str, Any], key: str) -> float | None:
    return float(p[key]) if p[key] is not None else None


def day(p: dict[str, Any], key: str) -> date | None:
    return date.fromisoformat(p[key]) if p[key] is not None else None


def not_contacted_30d(p: dict[str, Any]) -> bool:
    return p["contacted_days_ago"] is None or p["contacted_days_ago"] > 30


CASES: list[tuple[list[str], Callable[[dict[str, Any]], bool]]] = [
    (["--where", "spend>=50000"], lambda p: (number(p, "spend") or -1e9) >= 50000),
    (["--where", "spend<50000"], lambda p: p["spend"] is not None and float(p["spend"]) < 50000),
    (["--where", "level=a"], lambda p: p["level"] == "A"),
    (["--where", "industry in (Manufacturing, retail)"],
     lambda p: p["industry"] in ("Manufacturing", "Retail")),
    (["--where", "first-order<2026-01-01"],
     lambda p: p["first-order"] is not None and day(p, "first-order") < date(2026, 1, 1)),
    (["--where", "first-order>=2025-06-01", "--where", "spend>50000"],
     lambda p: p["first-order"] is not None and day(p, "first-order") >= date(2025, 6, 1)
     and p["spend"] is not None and float(p["spend"]) > 50000),
    (["--where", "level!=A"], lambda p: p["level"] != "A"),
    (["--where", "industry not in (Retail)", "--where", "vip=yes"],
     lambda p: p["industry"] != "Retail" and p["vip"] == "true"),
    (["--where", "spend>=50000", "--not-contacted-since", "30d"],
     lambda p: p["spend"] is not None and float(p["spend"]) >= 50000 and not_contacted_30d(p)),
    (["--where", "level in (A,B)", "--city", "shanghai", "--not-contacted-since", "30d"],
     lambda p: p["level"] in ("A", "B") and p["city"] == "Shanghai" and not_contacted_30d(p)),
    (["--category", "潜在客户", "--where", "spend<=9000"],
     lambda p: p["category"] == "潜在客户" and p["spend"] is not None
     and float(p["spend"]) <= 9000),
    (["--city", "上海"], lambda p: p["city"] == "上海"),
]


def run(data_dir: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])


@pytest.mark.parametrize(("args", "expected"), CASES, ids=lambda v: " ".join(v)
                         if isinstance(v, list) else "")
def test_search_filters_equal_a_python_filter_over_the_data(
        data_dir: Path, args: list[str], expected: Callable[[dict[str, Any]], bool]) -> None:
    result = run(data_dir, "search", *args, "--json", "--limit", "1000")
    assert result.exit_code == 0, result.output
    found = sorted(row["uid"] for row in json.loads(result.output))
    wanted = sorted(p["uid"] for p in PEOPLE if expected(p))
    assert wanted, "the case selects nobody: it would not test anything"
    assert found == wanted


def test_spend_compares_as_a_number_not_as_text(data_dir: Path) -> None:
    result = run(data_dir, "search", "--where", "spend>10000", "--json", "--limit", "1000")
    spends = {p["uid"]: p["spend"] for p in PEOPLE}
    assert {spends[row["uid"]] for row in json.loads(result.output)} == \
        {"50000", "49999.5", "120000"}  # "9000" > "10000" as text, not as a number


def test_export_where_writes_only_the_matching_contacts(data_dir: Path) -> None:
    result = run(data_dir, "export", "/alice/contacts/", "--format", "vcf",
                 "--where", "spend>=50000", "--not-contacted-since", "30d")
    assert result.exit_code == 0, result.output
    uids = sorted(line[4:] for line in result.output.splitlines() if line.startswith("UID:"))
    assert uids == sorted(p["uid"] for p in PEOPLE if int(p["uid"][1:]) % 4
                          and p["spend"] is not None and float(p["spend"]) >= 50000
                          and not_contacted_30d(p))


@pytest.mark.parametrize(("condition", "problem"), [
    ("spend>=5k", "--where 'spend>=5k': field 'spend': '5k' is not a number"),
    ("spend>=", "--where 'spend>=': no value after '>='"),
    ("colour=red", "--where 'colour=red': no field 'colour' (defined: industry, source"),
    ("industry>A", "--where 'industry>A': industry is a choice field: use =, != or in (...)"),
    ("level in (A,)", "--where 'level in (A,)': the list in (...) has an empty value"),
    ("spend ~ 5", "--where 'spend ~ 5': expected KEY OP VALUE"),
    ("first-order<2026-02-30", "'2026-02-30' is not a date"),
])
def test_a_malformed_condition_is_one_clear_error_line(
        data_dir: Path, condition: str, problem: str) -> None:
    for command in (["search"], ["export", "/alice/contacts/", "--format", "csv"]):
        result = run(data_dir, *command, "--where", condition)
        assert result.exit_code == 1
        assert result.output.count("\n") == 1 and problem in result.output, result.output
