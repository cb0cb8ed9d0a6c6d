"""The web app is ready before its first request: every page compiled and each
language's formats loaded when it is built (a fresh server's first view of a page
took 100-400 ms more than the next)."""

from __future__ import annotations

from pathlib import Path

from cms_dav.app import build_app
from cms_dav.config import load_settings
from cms_dav.web.factory import build_web
from cms_dav.web.render import _CompiledPages, templates


def test_every_page_is_compiled_when_the_web_app_is_built(tmp_path: Path) -> None:
    with build_app(load_settings(tmp_path)) as app:
        services = app.web_services()
        pages = services.templates.list_templates(extensions=["html"])
        assert services.templates.cache is not None and len(services.templates.cache) == 0
        build_web(services)
        assert len(pages) > 10
        assert len(services.templates.cache) == len(pages)


def test_pages_compiled_once_come_from_jinjas_cache_at_the_next_start() -> None:
    first, second = templates(), templates()
    assert first.bytecode_cache is not None
    first.get_template("contacts.html")
    cached, loader = second.bytecode_cache, second.loader
    assert cached is not None and loader is not None
    source, filename, _ = loader.get_source(second, "contacts.html")
    bucket = cached.get_bucket(second, "contacts.html", filename, source)
    assert bucket.code is not None


def test_a_page_cache_that_cannot_be_written_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    environment = templates()
    environment.bytecode_cache = _CompiledPages(directory=str(blocker / "cache"))
    assert environment.get_template("contacts.html").render is not None
