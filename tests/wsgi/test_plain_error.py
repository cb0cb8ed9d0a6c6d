"""One text/plain refusal for every layer that answers instead of Radicale."""

from __future__ import annotations

from cms_dav.wsgi.plain_error import MAX_MESSAGE, plain_error


def answer(message: str, headers: list[tuple[str, str]] | None = None
           ) -> tuple[str, list[tuple[str, str]], bytes]:
    started: list[tuple[str, list[tuple[str, str]]]] = []
    body = plain_error(lambda status, hs: started.append((status, hs)), "400 Bad Request",
                       message, headers or [])
    return started[0][0], started[0][1], b"".join(body)


def test_the_body_is_the_message_and_a_newline_with_its_length():
    status, headers, body = answer("zoë refused")
    assert status == "400 Bad Request"
    assert body == "zoë refused\n".encode()
    assert headers == [("Content-Type", "text/plain; charset=utf-8"),
                       ("Content-Length", str(len(body)))]


def test_headers_of_the_replaced_answer_are_kept_except_those_of_its_body():
    _, headers, _ = answer("no", [("DAV", "1, 2"), ("Content-Type", "text/xml"),
                                  ("content-length", "99"), ("Content-Encoding", "gzip")])
    assert [name for name, _ in headers] == ["DAV", "Content-Type", "Content-Length"]
    assert ("Content-Type", "text/plain; charset=utf-8") in headers


def test_a_long_message_is_cut_to_the_limit():
    _, headers, body = answer("x" * (MAX_MESSAGE + 500))
    assert body == b"x" * MAX_MESSAGE + b"\n"
    assert ("Content-Length", str(MAX_MESSAGE + 1)) in headers
