"""The contact manager: what cms_dav knows about contacts beyond CardDAV.

Rules over vCard text (no database, no HTTP):

- :mod:`vcard_lines`: content lines (RFC 6350 §3): unfold, parse, escape, fold; shared
  with :mod:`cms_dav.io`.
- :mod:`interactions`: the ``X-CMS-INTERACTION`` history, the only module that knows
  its format (parse, escape, id, merge); every door reads and writes notes through it.
- :mod:`card_fields`: the facts of a card (names, e-mails, phones, categories, members...).
- :mod:`normalize` / :mod:`search_terms`: index terms and query ranking.
- :mod:`groups`: category and group-card membership.
- :mod:`validation`: problems to report, never to fix silently.

On the store (through :mod:`cms_dav.store`; still no HTTP):

- :mod:`index_store` / :mod:`index_hook`: the contact index, written inside every store
  write, and its rebuild.
- :mod:`query`: search, listings and finding one contact, in the books the ACL allows.
- :mod:`dav_prefilter`: candidates for a CardDAV addressbook-query, from the index.
- :mod:`upload_filter`: the store's upload filter that puts back interactions a client
  dropped.
- :mod:`notes`: the operations behind ``cms-dav notes``.
"""

from cms_dav.contacts.errors import CardFormatError, ContactError, InteractionError

__all__ = ["CardFormatError", "ContactError", "InteractionError"]
