"""The vobject value writers (cms_dav/io/vobject_values.py) and the VFREEBUSY time
ranges (cms_dav/io/freebusy_ranges.py) are installed only while what they replace keeps
its shape, and Radicale then accepts PERIOD values."""

from __future__ import annotations

import pytest
import vobject.vcard
from radicale import utils as radicale_utils
from radicale.item import filter as radicale_filter

from cms_dav import radicale_compat
from cms_dav.io import freebusy_ranges, vobject_values
from cms_dav.radicale_compat import patches


def test_a_vobject_that_no_longer_requires_fn_is_named(monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    known = dict(vobject.vcard.VCard3_0.knownChildren)
    del known["FN"]
    monkeypatch.setattr(vobject.vcard.VCard3_0, "knownChildren", known)
    assert radicale_compat.mismatches() == [
        "vobject.vcard.VCard3_0.knownChildren no longer has the key 'FN'; "
        f"{patches.VALUES_USER} relies on it (cms_dav/radicale_compat)"]


def test_the_value_writers_are_refused_when_their_target_changed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def encode(cls, line, strict):  # type: ignore[no-untyped-def]
        return None
    monkeypatch.setattr(vobject.vcard.VCardTextBehavior, "encode", classmethod(encode))
    monkeypatch.setattr(patches, "_installed", set())
    with pytest.raises(radicale_compat.CompatibilityError,
                       match=r"cannot install the vobject value writers: "
                             r"vobject.vcard.VCardTextBehavior.encode now takes "
                             r"\(line, strict\) instead of \(line\)"):
        vobject_values.install()
    assert vobject.vcard.VCardTextBehavior.encode.__func__ is encode  # nothing replaced


def test_radicale_accepts_period_values_once_the_writers_are_installed() -> None:
    vobject_values.install()
    assert radicale_utils.vobject_supports_period()


def test_the_freebusy_ranges_are_refused_when_the_visitor_changed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def visit_time_ranges(vobject_item, child_name, range_fn):  # type: ignore[no-untyped-def]
        return None
    monkeypatch.setattr(radicale_filter, "visit_time_ranges", visit_time_ranges)
    monkeypatch.setattr(patches, "_installed", set())
    with pytest.raises(radicale_compat.CompatibilityError,
                       match=r"cannot install the VFREEBUSY time ranges: "
                             r"radicale.item.filter.visit_time_ranges now takes "
                             r"\(vobject_item, child_name, range_fn\)"):
        freebusy_ranges.install()
    assert radicale_filter.visit_time_ranges is visit_time_ranges  # nothing replaced
