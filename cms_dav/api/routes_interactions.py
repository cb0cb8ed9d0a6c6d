"""A contact's interaction timeline: list, add (with a follow-up date), mark a
follow-up done, reopen it. The same operations as ``cms-dav notes``
(:mod:`cms_dav.contacts.notes`): written through the store as the server's own text,
under the address book's write lock, audited as door "api"."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from fastapi import APIRouter

from cms_dav.api import access
from cms_dav.api.auth import Door, Reader, Writer
from cms_dav.api.problems import ERRORS, ApiProblem
from cms_dav.api.routes_contacts import BOOK, Href, Segment
from cms_dav.api.schemas import DoneIn, Interaction, InteractionIn
from cms_dav.contacts import notes
from cms_dav.contacts.contact_json import interaction_json, interactions_view

router = APIRouter(tags=["interactions"], responses=ERRORS)

TIMELINE = BOOK + "/{href}/interactions"
T = TypeVar("T")


def _uid(door: Door, owner: str, book: str, href: str, need: str) -> str:
    """The UID of the contact at the URL, checked against the policy first."""
    record = access.collection(door, owner, book, need=need)
    return access.item(door, record, href).uid


def notes_operation(operation: Callable[[], T]) -> T:
    """A notes operation with its refusals as problems (nothing was stored); the web
    app's pages (:mod:`cms_dav.web.routes_contacts`) call it too."""
    try:
        return operation()
    except notes.AmbiguousContact as exc:
        raise ApiProblem(409, str(exc)) from None
    except notes.NoteRemovalDenied as exc:
        raise ApiProblem(403, str(exc)) from None
    except ValueError as exc:  # a refused card (ContactError), a limit (LimitExceeded)...
        raise access.refusal(exc) from None


@router.get(TIMELINE, response_model=list[Interaction], summary="A contact's interactions")
def list_interactions(door: Reader, owner: Segment, book: Segment, href: Href
                      ) -> list[dict[str, Any]]:
    """Newest first; an entry with an open follow-up has ``follow_up`` and no ``done_at``."""
    record = access.collection(door, owner, book)
    text = access.item(door, record, href).text
    assert text is not None
    return interactions_view(text)


@router.post(TIMELINE, response_model=Interaction, status_code=201,
             summary="Add an interaction (optionally with a follow-up date)")
def add_interaction(door: Writer, owner: Segment, book: Segment, href: Href,
                    body: InteractionIn) -> dict[str, Any]:
    """Recorded under the caller at the server's time; ``at`` (past) is kept as the
    claimed time."""
    uid = _uid(door, owner, book, href, "w")
    services = door.services
    _, entry = notes_operation(lambda: notes.add_note(door.store, services.policy,
                                           services.settings.default_region, door.user, uid,
                                           body.kind, body.text, body.at, body.follow_up))
    return interaction_json(entry)


@router.post(TIMELINE + "/{interaction_id}/done", response_model=Interaction,
             summary="Mark an interaction's follow-up done")
def done(door: Writer, owner: Segment, book: Segment, href: Href, interaction_id: Segment,
         body: DoneIn | None = None) -> dict[str, Any]:
    uid = _uid(door, owner, book, href, "w")
    services = door.services
    _, entry = notes_operation(lambda: notes.done_note(door.store, services.policy,
                                            services.settings.default_region, door.user, uid,
                                            interaction_id, body.at if body else None))
    return interaction_json(entry)


@router.post(TIMELINE + "/{interaction_id}/reopen", response_model=Interaction,
             summary="Take a follow-up's done mark away")
def reopen(door: Writer, owner: Segment, book: Segment, href: Href,
           interaction_id: Segment) -> dict[str, Any]:
    uid = _uid(door, owner, book, href, "w")
    services = door.services
    _, entry = notes_operation(lambda: notes.reopen_note(door.store, services.policy,
                                              services.settings.default_region, door.user,
                                              uid, interaction_id))
    return interaction_json(entry)
