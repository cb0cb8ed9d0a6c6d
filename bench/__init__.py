"""cms_dav vs stock Radicale 3.9: the benchmark of issue 6 (see bench/run.py)."""
