"""Generated calendars take none of the user's collections quota, and no client can make
a collection of its own look generated."""

from __future__ import annotations

from tests.calendars.generated_support import children
from tests.support.dav import MKCALENDAR

MARKED = ('<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" '
          'xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:x="http://cms-dav.org/ns/">'
          '<d:set><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype>'
          '<x:generated>birthdays</x:generated></d:prop></d:set></d:mkcol>')


def test_generated_calendars_take_no_place_in_the_collections_quota(make_server):
    server = make_server(config_text="[limits]\nmax_collections_per_user = 3\n",
                         users={"alice": "alice-pw"})
    alice = server.session("alice", "alice-pw")
    listed = children(alice, f"{server.url}/alice/")
    assert {"/alice/birthdays/", "/alice/follow-ups/"} <= set(listed)
    response = alice.request("MKCALENDAR", f"{server.url}/alice/third/",
                             data=MKCALENDAR.format(name="Third").encode(),
                             headers={"Content-Type": "application/xml"})
    assert response.status_code == 201, response.text


def test_a_client_cannot_set_the_generated_marker(server):
    alice = server.session("alice", "alice-pw")
    response = alice.request("MKCOL", f"{server.url}/alice/fake/", data=MARKED.encode(),
                             headers={"Content-Type": "application/xml"})
    assert response.status_code == 403
    assert "set by the server only" in response.text
    assert alice.request("PROPFIND", f"{server.url}/alice/fake/",
                         headers={"Depth": "0"}).status_code == 404
