#!/usr/bin/env python3
"""The two quick-start commands, needing nothing but Python 3.11+:

    python3 dev.py serve    # set up .venv, initialise ./var, serve on http://127.0.0.1:5232
    python3 dev.py test     # set up .venv and run the whole test suite

Extra arguments go to ``cms-dav serve`` or to pytest respectively; pytest runs the test
files in parallel (pytest-xdist, one worker per core) unless they say ``-n``. ``test``
first runs pip-audit over the packages in .venv: a known vulnerability fails the run unless
``.pip-audit-ignore`` explains why it does not apply; a machine that cannot reach the
vulnerability service gets a clear "NOT AUDITED" line instead of a failure. Then the
static gate: ``ruff check`` and ``mypy``, configured in pyproject.toml; a finding of
either fails the run before pytest starts (both run, so one run shows every finding).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".cms-dav-installed"
AUDIT_IGNORE = ROOT / ".pip-audit-ignore"
#: what pip-audit's traceback says when no vulnerability service answers at all
NETWORK_ERRORS = ("ConnectionError", "NameResolutionError", "ConnectTimeout", "ReadTimeout",
                  "Max retries exceeded", "Could not connect", "Temporary failure in name")


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def _wanted_stamp() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    """Create .venv and install the project with its test extras when pyproject changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"cms_dav needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    if not _python().exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _wanted_stamp():
        return
    print("installing cms_dav and its dependencies into .venv ...", flush=True)
    subprocess.run([str(_python()), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
                   check=True)
    subprocess.run([str(_python()), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"],
                   check=True)
    STAMP.write_text(_wanted_stamp())


def serve(args: list[str]) -> int:
    cms_dav = [str(_python()), "-m", "cms_dav"]
    subprocess.run(cms_dav + ["init"], check=True, stdin=sys.stdin)
    return subprocess.call(cms_dav + ["serve"] + args)


def read_audit_ignores(text: str) -> dict[str, str]:
    """``.pip-audit-ignore``: one ``ID reason...`` per line, ``#`` starts a comment.
    An ID without a reason is refused: every ignored finding must say why."""
    ignores = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        vuln_id, *reason = line.split(None, 1)
        if not reason:
            raise ValueError(f".pip-audit-ignore line {number}: {vuln_id} has no reason")
        ignores[vuln_id] = reason[0].strip()
    return ignores


def audit_verdict(report: dict, ignores: dict[str, str]) -> tuple[bool, list[str]]:
    """(passed, lines to print) for pip-audit's JSON report: any finding not explained
    in ``ignores`` fails; packages the service could not look up are named, never
    counted as audited."""
    findings, explained, skipped = [], [], []
    dependencies = report.get("dependencies", [])
    for dep in dependencies:
        if "skip_reason" in dep:
            if "editable" not in dep["skip_reason"]:  # cms-dav itself, not on PyPI
                skipped.append(f"{dep['name']} ({dep['skip_reason']})")
            continue
        for vuln in dep.get("vulns", []):
            ids = [vuln["id"], *vuln.get("aliases", [])]
            fixed = ", ".join(vuln.get("fix_versions") or ["no fixed release"])
            line = f"  {dep['name']} {dep['version']}: {' / '.join(ids)} (fixed in {fixed})"
            reason = next((ignores[i] for i in ids if i in ignores), None)
            if reason is None:
                findings.append(line)
            else:
                explained.append(f"{line}: ignored, {reason}")
    audited = [d for d in dependencies if "vulns" in d]
    lines = []
    if findings:
        lines.append(f"pip-audit: {len(findings)} known vulnerabilit"
                     f"{'y' if len(findings) == 1 else 'ies'}; upgrade, or explain each "
                     f"in .pip-audit-ignore:")
        lines += findings
    if explained:
        lines.append("pip-audit: ignored as explained in .pip-audit-ignore:")
        lines += explained
    if skipped and not audited:
        lines.append(f"pip-audit: NOT AUDITED: the vulnerability service answered for none of "
                     f"the {len(skipped)} installed packages (e.g. {skipped[0]}); this machine "
                     f"cannot reach it. Run `python3 dev.py test` where "
                     f"https://pypi.org/pypi/<name>/<version>/json answers.")
    elif skipped:
        lines.append(f"pip-audit: not audited ({len(skipped)}): {'; '.join(skipped)}")
    if audited and not findings:
        lines.append(f"pip-audit: {len(audited)} packages audited, no unexplained "
                     f"known vulnerability")
    return not findings, lines


def audit(extra: list[str] | None = None, ignore_file: Path = AUDIT_IGNORE) -> int:
    """pip-audit over .venv; 0 when nothing unexplained was found (or nothing could be
    looked up, which is said loudly), 1 on a finding or an unexpected failure.
    ``extra`` goes to pip-audit (tests point it at a stand-in vulnerability service)."""
    try:
        ignores = read_audit_ignores(ignore_file.read_text() if ignore_file.exists() else "")
    except ValueError as exc:
        print(f"pip-audit: {exc}", flush=True)
        return 1
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "audit.json"
        run = subprocess.run([str(_python()), "-m", "pip_audit", "--skip-editable",
                              "--progress-spinner", "off", "--timeout", "20",
                              "--format", "json", "--aliases", "on", "--output", str(out),
                              *(extra or [])],
                             capture_output=True, text=True, cwd=ROOT)
        report = json.loads(out.read_text()) if out.exists() and out.stat().st_size else None
    if report is None:
        last = (run.stderr.strip().splitlines() or ["(no output)"])[-1]
        if any(marker in run.stderr for marker in NETWORK_ERRORS):
            print(f"pip-audit: NOT AUDITED: cannot reach the vulnerability service: {last}",
                  flush=True)
            return 0
        print(f"pip-audit failed (exit {run.returncode}):\n{run.stderr[-2000:]}", flush=True)
        return 1
    passed, lines = audit_verdict(report, ignores)
    print("\n".join(lines), flush=True)
    return 0 if passed else 1


#: the static gate, in the order it runs; each tool reads its settings from pyproject.toml
STATIC_CHECKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ruff", ("-m", "ruff", "check")),
    ("mypy", ("-m", "mypy")),
)


def static_checks(root: Path = ROOT) -> int:
    """ruff and mypy over the project at ``root``; 0 when both pass, 1 (after running
    both, their findings printed) when either fails."""
    failed = []
    for name, args in STATIC_CHECKS:
        print(f"{name}:", flush=True)
        code = subprocess.call([str(_python()), *args], cwd=root)
        if code != 0:
            failed.append(f"{name} (exit {code})")
    if failed:
        print(f"static checks failed: {', '.join(failed)}; the findings are above", flush=True)
        return 1
    return 0


#: pytest-xdist options a caller may give to choose the parallelism themselves
XDIST_OPTIONS = ("-n", "--numprocesses", "--dist", "no:xdist")


def pytest_args(args: list[str], cores: int | None = None) -> list[str]:
    """pytest's arguments: unless the caller chose, the tests run in one pytest-xdist
    worker per core (at least 2: most of a test's time is spent waiting for its server
    subprocess; at most 8), and whole files go to one worker (``--dist loadfile``) so a
    module's shared server starts once, not once per worker; the files go out in the
    order tests/conftest.py sorts them (slow ones first), not xdist's by test count."""
    if any(arg.startswith(XDIST_OPTIONS) for arg in args):
        return args
    workers = max(2, min(cores if cores is not None else os.cpu_count() or 1, 8))
    return ["-n", str(workers), "--dist", "loadfile", "--no-loadscope-reorder", *args]


CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> None:
    """The web app's browser tests drive Debian's Chromium (never a downloaded browser):
    installed with apt-get when missing and running as root; otherwise those tests skip
    with the reason, or fail under CMS_DAV_REQUIRE_BROWSER=1 (.ci/run)."""
    if CHROMIUM.exists():
        return
    if os.geteuid() != 0:
        print(f"{CHROMIUM} is missing and this is not root: the browser tests will not "
              f"run (as root: apt-get install -y chromium)", flush=True)
        return
    print("installing Debian's chromium for the browser tests ...", flush=True)
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    if subprocess.run(install, check=False).returncode != 0:
        # a fresh machine may have no package lists yet
        subprocess.run(["apt-get", "update"], check=False)
        subprocess.run(install, check=False)


#: the smaller of Debian's CJK fonts (17 MB; fonts-noto-cjk is several times that)
CJK_FONT_PACKAGE = "fonts-wqy-zenhei"
CJK_FONT_FILES = (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
                  Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"))


def has_cjk_font() -> bool:
    """Whether some installed font draws Chinese (fontconfig's answer, else a known file)."""
    try:
        found = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True,
                               check=False).stdout.strip()
    except OSError:
        found = ""
    return bool(found) or any(path.exists() for path in CJK_FONT_FILES)


def ensure_cjk_font() -> None:
    """The browser tests' screenshots show 中文 as boxes without a CJK font: install
    Debian's fonts-wqy-zenhei with apt-get when it is missing, Chromium is there and this
    is root; otherwise say so and go on (the tests pass either way, only the pictures
    differ)."""
    if not CHROMIUM.exists() or has_cjk_font():
        return
    if os.geteuid() != 0:
        print(f"no CJK font: screenshots will show boxes for Chinese (as root: apt-get "
              f"install -y {CJK_FONT_PACKAGE})", flush=True)
        return
    print(f"installing {CJK_FONT_PACKAGE} for the browser tests' screenshots ...", flush=True)
    install = ["apt-get", "install", "-y", "--no-install-recommends", CJK_FONT_PACKAGE]
    if subprocess.run(install, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], check=False)
        subprocess.run(install, check=False)


def ensure_browser() -> None:
    """What the browser tests need from Debian: Chromium, then a font for Chinese."""
    ensure_chromium()
    ensure_cjk_font()


def test(args: list[str]) -> int:
    ensure_browser()
    if audit() != 0:
        return 1
    if static_checks() != 0:
        return 1
    return subprocess.call([str(_python()), "-m", "pytest", *pytest_args(args)], cwd=ROOT)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("serve", "test", "setup"):
        print(__doc__)
        return 2
    ensure_venv()
    command, args = sys.argv[1], sys.argv[2:]
    if command == "setup":
        return 0
    return serve(args) if command == "serve" else test(args)


if __name__ == "__main__":
    sys.exit(main())
