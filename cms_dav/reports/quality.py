"""Data-quality counts from the linter (:func:`cms_dav.contacts.validation.lint_card`,
the module ``cms-dav lint`` uses): problems by kind, and cards with any problem."""

from __future__ import annotations

from collections import Counter

from cms_dav.contacts.validation import lint_card
from cms_dav.reports.cards import StoredCard
from cms_dav.reports.model import Section

#: the linter's messages, by how they start -> the kind a manager reads
_KINDS = (("unreadable card", "unreadable card"),
          ("UID is missing", "missing UID"),
          ("VERSION", "missing or unsupported VERSION"),
          ("FN ", "missing display name (FN)"),
          ("EMAIL", "invalid e-mail address"),
          ("TEL", "unreadable or invalid phone number"),
          ("damaged interaction", "damaged interaction note"),
          ("group card", "unnamed group"))


def problem_kind(message: str) -> str:
    """The kind of one linter message; a message of a new kind is counted as "other"."""
    return next((kind for prefix, kind in _KINDS if message.startswith(prefix)), "other")


class Quality:
    def __init__(self, region: str) -> None:
        self.region = region
        self.problems: Counter[str] = Counter()
        self.cards = 0
        self.with_problems = 0

    def add(self, card: StoredCard) -> None:
        self.cards += 1
        found = lint_card(card.text, self.region)
        if found:
            self.with_problems += 1
        self.problems.update(problem_kind(m) for m in found)

    def sections(self) -> list[Section]:
        kinds = [kind for _prefix, kind in _KINDS] + ["other"]
        rows = [("cards checked", self.cards), ("cards with a problem", self.with_problems)]
        rows += [(kind, self.problems[kind]) for kind in kinds]
        return [Section("data_quality", "Data quality (cms-dav lint)", ("check", "count"),
                        list(rows), chart="bar",
                        note="problems by kind; a card may have several")]
