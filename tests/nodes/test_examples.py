"""The scaling-out examples stay consistent with the code (issue 17, item 5)."""

from __future__ import annotations

from pathlib import Path

from cms_dav.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def hardening(unit: Path) -> set[str]:
    text = unit.read_text(encoding="utf-8").split("# Hardening", 1)[1]
    return {line.replace("/%i", "") for line in text.split("[Install]")[0].splitlines()
            if line and not line.startswith("#")}


def test_the_per_node_unit_is_hardened_like_the_single_unit() -> None:
    single = hardening(ROOT / "systemd" / "cms-dav.service")
    per_node = hardening(ROOT / "systemd" / "cms-dav@.service")
    assert single <= per_node, single - per_node


def test_the_nginx_example_sets_the_header_cms_dav_reads_by_default() -> None:
    text = (ROOT / "config" / "nginx" / "cms-dav-two-nodes.conf").read_text(encoding="utf-8")
    assert Settings(data_dir=ROOT).proxy_header == "x-forwarded-for"
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text
    assert "proxy_set_header Forwarded \"\";" in text  # the other header never passes
    assert "trusted_proxies = " in text and "ssl_certificate " in text
