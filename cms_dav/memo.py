"""A memo of lookups: each answer computed once, kept until the holder clears it.

Plumbing with no idea of where it lives: the request context
(:mod:`cms_dav.request_context`) holds one per HTTP request and the Radicale adapters
hand it to the ACL services they call (``Policy.remembering``), because Radicale asks
the same question many times in one request (rights once per item of a Depth-1
PROPFIND, the share rows once per path prefix). Whoever writes through a door that
uses a memo clears it, so a lookup after the write sees the write.
"""

from __future__ import annotations

from typing import Callable, Hashable, TypeVar, cast

T = TypeVar("T")


class Memo:
    """Answers by key. Not thread-safe: one holder (one request) at a time."""

    __slots__ = ("_answers",)

    def __init__(self) -> None:
        self._answers: dict[Hashable, object] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer remembered for ``key``, computed (and remembered) when absent."""
        if key in self._answers:
            return cast(T, self._answers[key])  # stored by compute() for this very key
        answer = compute()
        self._answers[key] = answer
        return answer

    def known(self, key: Hashable) -> tuple[bool, object]:
        """``(True, answer)`` when an answer is remembered for ``key``, else
        ``(False, None)``: for a caller that can use another lookup's answer but would
        compute its own otherwise (a narrower query), without remembering anything."""
        if key in self._answers:
            return True, self._answers[key]
        return False, None

    def remember(self, key: Hashable, answer: object) -> None:
        """Keep ``answer`` for ``key``: a lookup that answered another question too."""
        self._answers[key] = answer

    def clear(self) -> None:
        """Forget every answer: something they were computed from has changed."""
        self._answers.clear()

    def __len__(self) -> int:
        return len(self._answers)


def remembered(memo: Memo | None, key: Hashable, compute: Callable[[], T]) -> T:
    """``memo.get(key, compute)``, or a fresh ``compute()`` when there is no memo."""
    return compute() if memo is None else memo.get(key, compute)
