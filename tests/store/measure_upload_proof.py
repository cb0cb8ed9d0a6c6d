"""Measure what the "Radicale changed nothing" proof costs per single-object PUT.

Run ``python -m tests.store.measure_upload_proof [N]`` (default 2,000 PUTs): in one
process, without HTTP, it cycles through the corpus objects stock Radicale accepts and
times, per PUT, what Radicale's PUT does with the body (``read_components``,
``check_and_sanitize_items``, ``Item.prepare``) and then
:func:`cms_dav.io.stored_items.item_data_from_upload` (what cms_dav adds to decide which
text to store): once without the upload watch (the second parse decides), once with it
(:mod:`cms_dav_plugins.upload_watch`; the watch's own cost counts in Radicale's share).
Figures only; no test depends on timings.
"""

from __future__ import annotations

import json
import logging
import sys
import time

from radicale import item as radicale_item

from cms_dav import request_context
from cms_dav.io import freebusy_ranges, stored_items, vobject_values
from cms_dav_plugins import upload_watch
from tests.store.corpus_objects import corpus_objects
from tests.store.record_radicale_decisions import DECISIONS


def _radicale_put(text: str, tag: str) -> radicale_item.Item:
    components = radicale_item.read_components(text)
    radicale_item.check_and_sanitize_items(components, tag=tag,
                                           max_vevent_rrule_occurrence=10_000)
    item = radicale_item.Item(collection_path="alice/c", vobject_item=components[0])
    item.prepare()
    return item


def main(count: int = 2000) -> int:
    logging.disable(logging.CRITICAL)
    vobject_values.install()
    freebusy_ranges.install()
    upload_watch.install()
    accepted = {k for k, v in json.loads(DECISIONS.read_text())["decisions"].items()
                if v["accepted"]}
    bodies = []
    for item in corpus_objects():
        if item.id in accepted:
            try:
                text = item.body.decode("utf-8")
            except UnicodeDecodeError:
                text = item.body.decode("iso8859-1")
            bodies.append((text, "VADDRESSBOOK" if item.card else "VCALENDAR"))
    for watched in (False, True):
        radicale_seconds = proof_seconds = 0.0
        as_sent = 0
        for index in range(count):
            text, tag = bodies[index % len(bodies)]
            context = request_context.RequestContext(upload_text=text if watched else None)
            with request_context.made_current(context):
                started = time.perf_counter()
                prepared = _radicale_put(text, tag)
                middle = time.perf_counter()
                watch = context.upload_parse
                unchanged = isinstance(watch, upload_watch.UploadParse) and \
                    watch.unchanged_object_of(text, prepared.vobject_item)
                _, kept = stored_items.item_data_from_upload(prepared, text, unchanged)
                proof_seconds += time.perf_counter() - middle
                radicale_seconds += middle - started
                as_sent += kept
        how = "with the upload watch" if watched else "second parse (no watch)"
        print(f"{how}: {count} PUTs over {len(bodies)} corpus objects, {as_sent} stored "
              f"as sent; Radicale's parse/check/prepare {radicale_seconds / count * 1e3:.3f}"
              f" ms, then item_data_from_upload {proof_seconds / count * 1e3:.3f} ms per "
              f"PUT ({proof_seconds / radicale_seconds:.0%} on top)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(arg) for arg in sys.argv[1:2])))
