import codecs
import csv
import io

import pytest
from openpyxl import Workbook

from cms_dav.io.csv_import import read_csv
from cms_dav.io.table_fields import TableError, load_mapping
from cms_dav.io.xlsx_import import read_xlsx
from tests.io.people import generate_people

PLAIN_HEADER = ["Name", "Email", "Phone", "Org", "Title", "Categories", "Note"]


def csv_bytes(header, rows, encoding="utf-8", delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(header, rows):
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def people_rows(count):
    return [[p.fn, p.emails[0][1], p.phones[0][1], p.org, "", ";".join(p.categories), p.note]
            for p in generate_people(count)]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "cp1250"])
def test_csv_in_each_encoding_yields_the_chinese_and_polish_names(encoding):
    rows = [["Łukasz Wiśniewski", "l@x.pl", "601 234 567", "Żabka", "", "", "Zażółć gęślą jaźń"]]
    if encoding != "cp1250":
        rows.append(["张伟", "zw@x.cn", "+86 138 0013 8000", "华为", "", "客户", "喜欢喝茶"])
    results = list(read_csv(csv_bytes(PLAIN_HEADER, rows, encoding), default_region="PL"))
    assert [r.record.fn for r in results] == [row[0] for row in rows]
    assert results[0].record.note == "Zażółć gęślą jaźń"


def test_xlsx_yields_chinese_and_polish_names():
    rows = [["Łukasz Wiśniewski", "l@x.pl", 601234567, "Żabka", "", "", ""],
            ["张伟", "zw@x.cn", "+86 138 0013 8000", "华为", "", "客户", ""]]
    results = list(read_xlsx(xlsx_bytes(PLAIN_HEADER, rows), default_region="PL"))
    assert [r.record.fn for r in results] == ["Łukasz Wiśniewski", "张伟"]
    assert results[0].record.phones == [("", "601234567")]


@pytest.mark.parametrize("reader,maker", [(read_csv, lambda h, r: csv_bytes(h, r, "utf-8-sig")),
                                          (read_xlsx, xlsx_bytes)])
def test_five_bad_rows_among_500_are_reported_and_the_rest_imported(reader, maker):
    rows = people_rows(500)
    bad = {17: ["Q", "", "12", "", "", "", ""], 101: ["X", "not-an-email", "", "", "", "", ""],
           250: ["", "", "", "", "", "", "only a note"],
           333: ["Y", "", "call me maybe", "", "", "", ""],
           499: ["Z", "z@@x", "", "", "", "", ""]}
    for index, row in bad.items():
        rows[index] = row
    results = list(reader(maker(PLAIN_HEADER, rows), default_region="PL"))
    errors = [(r.row_number, r.error) for r in results if r.error]
    assert len([r for r in results if r.record]) == 495
    assert [n for n, _ in errors] == [i + 2 for i in sorted(bad)]
    assert "not-an-email" in dict(errors)[103] and "call me maybe" in dict(errors)[335]
    assert "no name" in dict(errors)[252]


def test_blank_rows_are_skipped_but_still_counted_in_row_numbers():
    results = list(read_csv(csv_bytes(PLAIN_HEADER, [["A", "", "", "", "", "", ""], [""] * 7,
                                                       ["B", "bad", "", "", "", "", ""]])))
    assert [(r.row_number, bool(r.error)) for r in results] == [(2, False), (4, True)]


def test_google_export_is_detected_with_types_and_groups():
    header = ["Name", "Given Name", "Family Name", "Group Membership", "E-mail 1 - Type",
              "E-mail 1 - Value", "Phone 1 - Type", "Phone 1 - Value", "Organization 1 - Name"]
    row = ["Anna Nowak", "Anna", "Nowak", "* myContacts ::: Klienci", "* Work", "a@x.pl ::: b@y.pl",
           "Mobile", "601 234 567", "Acme"]
    table = read_csv(csv_bytes(header, [row]))
    (result,) = table
    assert table.plan.preset == "google"
    assert result.record.emails == [("work", "a@x.pl"), ("work", "b@y.pl")]
    assert result.record.phones == [("cell", "601 234 567")]
    assert result.record.categories == ["Klienci"]


def test_new_google_export_with_labels_is_detected():
    header = ["First Name", "Last Name", "Labels", "E-mail 1 - Label", "E-mail 1 - Value",
              "Phone 1 - Value"]
    table = read_csv(csv_bytes(header, [["Jan", "Kowalski", "Friends", "Home", "j@k.pl",
                                         "601234567"]]))
    (result,) = table
    assert table.plan.preset == "google"
    assert (result.record.fn, result.record.emails) == ("Jan Kowalski", [("home", "j@k.pl")])


def test_outlook_export_is_detected_with_phone_types_and_birthday():
    header = ["First Name", "Last Name", "Company", "Job Title", "E-mail Address", "Mobile Phone",
              "Business Phone", "Categories", "Birthday", "Business City"]
    row = ["Jan", "Kowalski", "Orlen", "CFO", "jan@orlen.pl", "601 234 567", "22 123 45 67",
           "Klienci;VIP", "1/15/1980", "Płock"]
    table = read_csv(csv_bytes(header, [row], "cp1250", ";"))
    (result,) = table
    assert table.plan.preset == "outlook"
    assert result.record.phones == [("cell", "601 234 567"), ("work", "22 123 45 67")]
    assert (result.record.categories, result.record.bday) == (["Klienci", "VIP"], "1980-01-15")
    assert result.record.addresses[0][1].locality == "Płock"


def test_polish_and_chinese_header_aliases_are_understood():
    rows = [["Anna", "Nowak", "601234567"]]
    (pl,) = read_csv(csv_bytes(["Imię", "Nazwisko", "Telefon"], rows))
    (zh,) = read_csv(csv_bytes(["姓名", "电话", "邮箱", "公司"],
                               [["张伟", "13800138000", "z@x.cn", "华为"]]))
    assert (pl.record.fn, zh.record.fn, zh.record.org) == ("Anna Nowak", "张伟", "华为")


def test_unreadable_birthday_is_a_row_error():
    (result,) = read_csv(csv_bytes(["Name", "Birthday"], [["A", "31.02.1980"]]))
    assert result.record is None and "31.02.1980" in result.error


def test_unknown_header_row_asks_for_a_mapping_file():
    with pytest.raises(TableError, match="mapping"):
        read_csv(csv_bytes(["Kolumna A", "Kolumna B"], [["x", "y"]]))


def test_mapping_file_in_toml_maps_arbitrary_headers():
    mapping = load_mapping('[columns]\n"Nom" = "fn"\n"Courriel" = "email:work"\n'
                           '"Rue" = "address:home.street"\n')
    (result,) = read_csv(csv_bytes(["Nom", "Courriel", "Rue"], [["Zoé", "z@x.fr", "1 rue X"]]),
                         mapping=mapping)
    assert (result.record.fn, result.record.emails) == ("Zoé", [("work", "z@x.fr")])
    assert result.record.addresses[0] == ("home", result.record.addresses[0][1])


def test_mapping_file_in_json_is_accepted():
    assert load_mapping('{"Nom": "fn"}', "m.json") == {"Nom": "fn"}


def test_mapping_with_unknown_field_is_rejected_naming_it():
    with pytest.raises(TableError, match="shoe_size"):
        load_mapping('"Size" = "shoe_size"\n')


def test_mapping_naming_a_missing_column_is_rejected():
    with pytest.raises(TableError, match="Fax"):
        read_csv(csv_bytes(["Nom"], [["a"]]), mapping={"Fax": "phone:fax"})


def test_empty_file_is_rejected():
    with pytest.raises(TableError, match="empty"):
        read_csv(codecs.BOM_UTF8)
