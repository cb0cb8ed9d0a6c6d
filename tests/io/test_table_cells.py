"""One cell of a contacts table: export writes it by the rules import reads it by."""

from cms_dav.io.contact_record import Address
from cms_dav.io.table_cells import (
    address_cell, join_multi, parse_address_cell, split_multi, split_typed, typed_cell,
)


def test_a_typed_value_reads_back_with_its_type() -> None:
    assert split_typed(typed_cell("work,x-assistant", "ada@example.com")) == (
        "work,x-assistant", "ada@example.com")


def test_a_kind_import_would_not_read_as_a_type_is_not_written_as_a_prefix() -> None:
    written = typed_cell("assistant", "+48 601 234 567")
    assert written == "+48 601 234 567" and split_typed(written) == ("", written)


def test_several_values_read_back_in_order() -> None:
    assert split_multi(join_multi(["a@example.com", "b@example.com"])) == [
        "a@example.com", "b@example.com"]


def test_an_address_reads_back_with_a_semicolon_in_a_component_as_a_comma() -> None:
    written = address_cell(Address("Floor 2; Room 5", "Kraków", "", "30-001", "Poland"))
    assert parse_address_cell(written) == Address("Floor 2, Room 5", "Kraków", "", "30-001",
                                                  "Poland")
