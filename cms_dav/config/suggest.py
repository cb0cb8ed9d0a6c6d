"""The "did you mean" part of an unknown-name complaint."""

from __future__ import annotations

from collections.abc import Sequence


def closest(word: str, candidates: Sequence[str]) -> str | None:
    """The candidate nearest to ``word``, if any is near (difflib's 0.6 ratio). difflib
    is imported here: only a misspelt name needs it, every command reads the settings."""
    import difflib

    lowered = {candidate.lower(): candidate for candidate in candidates}
    if word.lower() in lowered:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1)
    return lowered[found[0]] if found else None


def did_you_mean(word: str, candidates: Sequence[str], prefix: str = "",
                 brackets: bool = False) -> str:
    """``did you mean lockout_threshold?``, or the whole list when nothing is near."""
    def shown(name: str) -> str:
        return f"[{prefix}{name}]" if brackets else f"{prefix}{name}"

    near = closest(word, candidates)
    if near is not None:
        return f"did you mean {shown(near)}?"
    return "valid: " + ", ".join(shown(name) for name in candidates)
