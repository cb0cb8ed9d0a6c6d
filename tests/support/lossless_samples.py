"""Objects vobject used to damage (issue 12), for the tests of every door that stores
them: each test checks the object read back equals the text given, after CRLF
normalisation."""

from __future__ import annotations


def crlf(text: str) -> str:
    """``text`` with every line ended by CRLF."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    return "".join(line + "\r\n" for line in lines)


def card(uid: str, lines: list[str], version: str = "3.0") -> str:
    return "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", f"UID:{uid}", *lines,
                        "END:VCARD"]) + "\r\n"


def event_calendar(components: list[list[str]], extra: list[str] | None = None) -> str:
    """One VCALENDAR holding ``components`` (each a list of its lines)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//lossless//EN", *(extra or [])]
    for component in components:
        lines += component
    return "\r\n".join(lines + ["END:VCALENDAR"]) + "\r\n"


#: cards with unescaped commas, a vCard 4 data: PHOTO, vCard 2.1 bare TEL types
COMMA_CARD = card("comma", ["FN:Mr. John Richter, James Doe Sr.", "N:Richter;John;;;",
                            "NOTE:Interessen: Internet trollen, Kekse backen",
                            "NICKNAME:Nick1,Nick2",
                            "item3.X-ABADR:Street 4, Building 6, Floor 2"])
PHOTO_CARD = card("photo", ["FN:Photo", "PHOTO:data:image/png;base64,iVBORw0KGgo="],
                  version="4.0")
MOBILE_CARD = card("mobile", ["FN:Mobile", "N:Mobile;;;;", "TEL;CELL;PREF:+49 170 1"],
                   version="2.1")
FOLDED_CARD = card("folded", ["FN:Folded", "NOTE:a long note that the client folded at a",
                              "  place of its own choosing, commas, too"])
CARDS = {"comma": COMMA_CARD, "photo": PHOTO_CARD, "mobile": MOBILE_CARD,
         "folded": FOLDED_CARD}

BERLIN = ["BEGIN:VTIMEZONE", "TZID:Europe/Berlin",
          "BEGIN:STANDARD", "DTSTART:19701025T030000",
          "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU", "TZOFFSETFROM:+0200",
          "TZOFFSETTO:+0100", "END:STANDARD",
          "BEGIN:DAYLIGHT", "DTSTART:19700329T020000",
          "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "TZOFFSETFROM:+0100",
          "TZOFFSETTO:+0200", "END:DAYLIGHT", "END:VTIMEZONE"]
#: an event whose RDATE and EXDATE lists vobject cut to their first value
RDATE_EXDATE_EVENT = ["BEGIN:VEVENT", "UID:lists", "DTSTAMP:20260101T000000Z",
                      "DTSTART;TZID=Europe/Berlin:20260301T100000",
                      "RDATE;TZID=Europe/Berlin:20260302T100000,20260303T100000",
                      "EXDATE;TZID=Europe/Berlin:20260304T100000,20260305T100000",
                      "RRULE:FREQ=DAILY;COUNT=10", "CATEGORIES:one,two",
                      "SUMMARY:Lists, all of them", "END:VEVENT"]
LISTS_CALENDAR = event_calendar([BERLIN, RDATE_EXDATE_EVENT])
