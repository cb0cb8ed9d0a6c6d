"""Sharing-API bodies are checked before Radicale sees them (issue 10: JSON 500s)."""

import pytest

from cms_dav.acl.sharing_request import BadRequest, call_of, content_length, parse


@pytest.mark.parametrize("raw", ["-1", "abc", "1e3", " 12", "١٢"])
def test_a_malformed_content_length_is_a_named_400(raw):
    with pytest.raises(BadRequest, match="Content-Length") as caught:
        content_length(raw)
    assert caught.value.status == 400


def test_a_body_over_the_limit_is_a_413_before_it_is_read():
    with pytest.raises(BadRequest) as caught:
        content_length(str(10**9))
    assert caught.value.status == 413


@pytest.mark.parametrize("body, field", [
    (b'{"PathMapped": 0}', "PathMapped"),
    (b'{"Enabled": "yes"}', "Enabled"),
    (b'{"Properties": {"X:evil": "a"}}', "Properties"),
    (b'{"Permissions": "rwZ"}', "Permissions"),
    (b'{"Owner": "alice"}', "Owner"),
    (b'{"User": "a/b"}', "User"),
    (b'{"PathMapped": "/alice/../bob/"}', "PathMapped"),
    (b'{"Properties": null}', "Properties"),
    (b'{"Actions": null}', "Actions"),
])
def test_a_wrong_field_is_named_in_the_400(body, field):
    with pytest.raises(BadRequest, match=field):
        parse("map", "list", "application/json", body)


@pytest.mark.parametrize("body", [b"[]", b"42", b'"s"', b"[" * 100_000, b"\xff"])
def test_a_body_that_is_no_json_object_is_a_400(body):
    with pytest.raises(BadRequest):
        parse("map", "create", "application/json", body)


def test_a_form_body_becomes_typed_fields():
    request = parse("map", "create", "application/x-www-form-urlencoded",
                    b"PathMapped=%2Falice%2Fbook%2F&Enabled=true&Properties=D:displayname=x")
    assert request.data == {"PathMapped": "/alice/book/", "Enabled": True,
                            "Properties": {"D:displayname": "x"}}


def test_only_known_calls_are_gated():
    assert call_of("/.sharing/v1/map/create") == ("map", "create")
    assert call_of("/.sharing/v1/map/explode") is None
