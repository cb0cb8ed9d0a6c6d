"""Getting data in, out and back.

Pure layer (bytes, text and ContactRecords, no database): encoding (detect),
csv_import/xlsx_import (rows), vcard_import/ics_import (split files into objects),
export, matching (re-import), dedupe/merge.

Store layer (every write goes through ``Store`` with the acting user, so the sync
log, history/trash, audit trail and search index stay in step): stored_items (text
-> ItemData exactly as an HTTP PUT stores it), access (``--user`` ACL checks),
import_sources + importer, exporter, duplicates, trash, snapshot + backup +
restore, radicale_migration.  The CLI modules in cms_dav/cli only parse options
and print.
"""
