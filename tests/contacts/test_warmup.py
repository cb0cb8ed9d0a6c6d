"""The serve-time warm-up exercises every lazily loaded part of indexing: after it, the
first card a client writes loads no dictionary or metadata while the client waits."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from cms_dav.contacts.index_store import analyse
from cms_dav.warmup import SAMPLE_CARD


def test_the_sample_card_reaches_pinyin_accent_folding_and_phone_parsing() -> None:
    index = analyse(SAMPLE_CARD, "", "warm-up")
    terms = {term for _field, term in index.terms}
    assert index.fields is not None and index.values is not None
    assert any("zhang" in term for term in terms), "pinyin was not computed"
    assert any("lukasz" in term for term in terms), "accents were not folded"
    assert any(term.startswith("+48601234567") or "48601234567" in term for term in terms), \
        "the phone was not normalized"


#: Run in a fresh interpreter (this one has long loaded everything): what is loaded
#: before warm-up, after it, and what the first real card then still loads.
PROBE = """
import json, sys
from cms_dav.contacts.index_store import analyse
from cms_dav.contacts.validation import lint_card
from cms_dav.warmup import warm_up
from phonenumbers.phonemetadata import PhoneMetadata

def state():
    return {"pinyin_dict": "pypinyin.pinyin_dict" in sys.modules,
            "regions": sorted(PhoneMetadata._region_metadata)}

before = state()
warm_up("DE")
after = state()
modules = set(sys.modules)
card = ("BEGIN:VCARD\\r\\nVERSION:4.0\\r\\nUID:first\\r\\nFN:李娜 Gdańsk\\r\\n"
        "TEL:030 1234567\\r\\nTEL:+48 22 123 45 67\\r\\nEND:VCARD\\r\\n")
analyse(card, "DE", "first")
lint_card(card, "DE")
print(json.dumps({"before": before, "after": after,
                  "first_card_loaded": sorted(set(sys.modules) - modules),
                  "regions_after_first_card": state()["regions"]}))
"""


@pytest.fixture(scope="module")
def probe() -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                            timeout=120, check=True)
    return json.loads(result.stdout)


def test_before_warm_up_the_pinyin_dictionary_and_phone_metadata_are_not_loaded(
        probe: dict[str, Any]) -> None:
    assert probe["before"] == {"pinyin_dict": False, "regions": []}


def test_warm_up_loads_the_pinyin_dictionary_and_the_default_regions_phone_metadata(
        probe: dict[str, Any]) -> None:
    assert probe["after"]["pinyin_dict"] is True
    assert {"DE", "PL", "CN"} <= set(probe["after"]["regions"])


def test_after_warm_up_the_first_card_loads_nothing_more(probe: dict[str, Any]) -> None:
    assert probe["first_card_loaded"] == []
    assert probe["regions_after_first_card"] == probe["after"]["regions"]
