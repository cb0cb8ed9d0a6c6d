"""Getting data in, out and back: import, export, dedupe, trash, backup, migration.

Pure (text, bytes and :class:`~cms_dav.io.contact_record.ContactRecord`; no database):

- ``contact_record``: a contact as a flat record, to and from vCard text.
- ``encoding``: how an uploaded file is encoded and separated.
- ``csv_import``, ``xlsx_import``: tables into row verdicts, through ``table_fields``
  (headers -> fields), ``table_rows`` (one verdict per row) and ``table_cells`` (what
  one cell holds: the rules both import and export use); ``phones`` rejects garbage.
- ``vcard_import`` (+ ``vcard21``), ``ics_import`` (+ ``ics_parts``): files split into
  one object per resource; ``content_uid`` names an object that has no UID.
- ``object_check``: why an object cannot be stored (also the DAV layer's reasons).
- ``export_formats``: the CSV, xlsx, vCard and iCalendar writers.
- ``duplicate_finder``: which records are probably one person; ``card_merge``: one
  card made of several; ``matching``: which existing contact an imported one is.

On the store (every write goes through ``Store`` with the acting user, so the sync
log, history/trash, audit trail and search index stay in step):

- ``stored_items``: text -> ItemData exactly as an HTTP PUT stores it.
- ``import_sources`` + ``importer``: a file of any format into a collection.
- ``collection_export``: a collection's objects, filtered, in one of the formats.
- ``duplicate_groups``: an address book's duplicate groups; merging one.
- ``trash``; ``snapshot`` + ``backup`` + ``restore``; ``radicale_migration``.

The CLI modules in cms_dav/cli parse options, check access and print; the rules
live here and in :mod:`cms_dav.contacts`.
"""
