"""Record stock Radicale 3.9's decision on every corpus object as data.

Run ``python -m tests.store.record_radicale_decisions`` (from the checkout, with the
project's venv): it starts a stock Radicale (multifilesystem, as
:mod:`tests.io.stock_radicale` does), PUTs each corpus object as the corpus test does
(:mod:`tests.store.corpus_objects`), each into its own fresh address book or calendar
(so one object's UID never conflicts with another's), and writes
``tests/store/data/radicale_decisions.json``: object id → ``{"accepted": bool,
"status": int}``. The corpus test compares cms_dav's decisions with this file, so
"no more refusals than stock Radicale" is checked without running Radicale each time.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import radicale
import requests

from tests.io.stock_radicale import StockRadicale
from tests.store.corpus_objects import collection_for, corpus_objects

DECISIONS = Path(__file__).resolve().parent / "data" / "radicale_decisions.json"
#: a line that makes vobject's regex backtrack pins stock Radicale; such a PUT counts
#: as refused (status 0) rather than waiting forever
TIMEOUT_SECONDS = 60


def record() -> dict[str, dict[str, object]]:
    """Every corpus object's id → what stock Radicale answered to its PUT."""
    decisions: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as root:
        server = StockRadicale(Path(root), {"alice": "alice-pw"}).start()
        try:
            alice = server.session("alice")
            for item in corpus_objects():
                url = collection_for(alice, server.url, item) + item.name
                try:
                    status = alice.put(url, data=item.body, timeout=TIMEOUT_SECONDS,
                                       headers={"Content-Type": item.content_type}).status_code
                except requests.Timeout:
                    status = 0
                decisions[item.id] = {"accepted": 200 <= status < 300, "status": status}
        finally:
            server.stop()
    return decisions


def main() -> int:
    decisions = record()
    DECISIONS.write_text(json.dumps({"radicale": radicale.VERSION, "decisions": decisions},
                                    indent=1, sort_keys=True) + "\n")
    accepted = sum(1 for d in decisions.values() if d["accepted"])
    print(f"{DECISIONS}: {len(decisions)} objects, {accepted} accepted by stock Radicale "
          f"{radicale.VERSION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
