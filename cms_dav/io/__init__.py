"""Getting contacts in and out: pure functions over bytes, text and ContactRecords.

No database here: the store/CLI layer reads files, calls these, and writes.
encoding (detect), csv_import/xlsx_import (rows), vcard_import/ics_import
(split files into objects), export, matching (re-import), dedupe/merge.
"""
