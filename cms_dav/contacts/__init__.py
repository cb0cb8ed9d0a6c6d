"""Contact-manager domain layer: pure functions over vCard text, no database.

- :mod:`interactions`: the ``X-CMS-INTERACTION`` history and the merge that keeps it
  when a client drops unknown properties.
- :mod:`card_fields`: the facts of a card (names, e-mails, phones, categories, members...).
- :mod:`normalize` / :mod:`search_terms`: index rows and query ranking.
- :mod:`groups`: category and group-card membership.
- :mod:`validation`: problems to report, never to fix silently.
- :mod:`vcard_lines`: content-line reading/writing shared by the above and by :mod:`cms_dav.io`.
"""

from cms_dav.contacts.errors import CardFormatError, ContactError, InteractionError

__all__ = ["CardFormatError", "ContactError", "InteractionError"]
