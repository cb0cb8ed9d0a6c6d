import codecs

import pytest
from openpyxl import load_workbook
import io

from cms_dav.io.contact_record import Address, record_to_vcard, vcard_to_record
from cms_dav.io.csv_import import read_csv
from cms_dav.io.export_formats import COLUMNS, export_csv, export_vcf, export_xlsx
from cms_dav.io.vcard_import import split_vcards
from cms_dav.io.xlsx_import import read_xlsx
from tests.io.people import generate_people


def sample():
    people = generate_people(60)
    people[0].phones.append(("fax,work", "22 123 45 67"))
    people[0].addresses.append(
        ("home", Address("ul. Długa 5, m. 3", "Gdańsk", "", "80-001", "Polska")))
    people[1].note = "two\nlines, with; punctuation"
    people[2].interactions = ["id-1;2024-05-01;call;Rozmowa\\, ok"]
    return people


def test_csv_starts_with_utf8_bom_for_excel():
    assert export_csv(sample()).startswith(codecs.BOM_UTF8)


def test_csv_round_trip_gives_the_same_records():
    people = sample()
    assert [r.record for r in read_csv(export_csv(people))] == people


def test_xlsx_round_trip_gives_the_same_records():
    people = sample()
    assert [r.record for r in read_xlsx(export_xlsx(people))] == people


def test_xlsx_header_is_bold_and_frozen():
    sheet = load_workbook(io.BytesIO(export_xlsx(sample()))).active
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert all(c.font.bold for c in sheet[1]) and sheet.freeze_panes == "A2"


def test_vcf_round_trip_gives_the_same_records():
    people = sample()
    texts = [record_to_vcard(p) for p in people]
    results = list(split_vcards(export_vcf(texts)))
    assert [r.text for r in results] == texts
    assert [vcard_to_record(r.text) for r in results] == [
        type(p)(**{**p.__dict__, "uid": r.uid}) for p, r in zip(people, results, strict=True)]


@pytest.mark.parametrize("exporter,reader", [(export_csv, read_csv), (export_xlsx, read_xlsx)])
def test_table_round_trip_keeps_uids_when_records_have_them(exporter, reader):
    people = sample()
    for n, p in enumerate(people):
        p.uid = f"urn:uuid:{n}"
    assert [r.record.uid for r in reader(exporter(people))] == [p.uid for p in people]
