"""A phone-like client (vdirsyncer) discovers a smart address book in bob's home and syncs
it like any book: only the cards bob may read, and a card that stops matching leaves
his copy on the next sync (issue 14 item 3)."""

from __future__ import annotations

from tests.contacts.test_segments_http import SEGMENT, card, put, sales  # noqa: F401
from tests.support.vdirsyncer import (SyncPair, discover_and_sync, local_labels,
                                      requires_vdirsyncer, run_vdirsyncer, write_config)

pytestmark = requires_vdirsyncer
TIMEOUT = 120  # seconds for one vdirsyncer run


def test_vdirsyncer_syncs_the_segment_and_drops_a_card_that_stops_matching(sales,  # noqa: F811
                                                                           tmp_path):
    client = tmp_path / "client"
    client.mkdir()
    alice = sales.session("alice", "alice-pw")
    put(alice, f"{sales.url}/groups/sales/leads/g2.vcf", card("g2", 90000))
    config = write_config(client, f"{sales.url}/bob", "bob", "bob-pw",  # the home, as phones
                          [SyncPair("bob_contacts", "carddav", "vdir/")])
    discover_and_sync(config, timeout=TIMEOUT)
    folder = client / "vdir" / SEGMENT
    assert local_labels(folder) == {"g1": "Customer g1", "g2": "Customer g2"}
    put(alice, f"{sales.url}/groups/sales/leads/g1.vcf", card("g1", 10))
    run_vdirsyncer(config, "sync", timeout=TIMEOUT)
    assert local_labels(folder) == {"g2": "Customer g2"}
