"""``cms-dav import-radicale``: a stock Radicale 3.x ``collection-root`` into the store.

Paths, hrefs, UIDs, collection properties and object text stay the same: each file's
text is stored as it is (CRLF line ends) whenever Radicale's check changes nothing in
it (:mod:`cms_dav.io.as_sent`, issue 12), else as Radicale serializes it; the ETag
follows the stored text as Radicale's does, so the ETags clients hold stay valid:
already-configured clients (DAVx5, vdirsyncer) keep syncing without duplicating
anything.  Passwords are not part of collection-root; the htpasswd
file can be copied separately (``--users-file``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from cms_dav.io.as_sent import item_data_as_sent
from cms_dav.io.stored_items import ItemError
from cms_dav.store.records import ItemData
from cms_dav.store.store import Store

PROPS_FILE = ".Radicale.props"


class MigrationError(ValueError):
    pass


@dataclass
class MigrationReport:
    folders: int = 0
    collections: int = 0
    items: int = 0
    skipped: list[str] = field(default_factory=list)   # "path: reason"


def collection_root(path: Path) -> Path:
    """Accept the storage folder itself or its ``collection-root`` child."""
    if (path / "collection-root").is_dir():
        return path / "collection-root"
    if path.is_dir():
        return path
    raise MigrationError(f"{path} is not a directory")


def _props(folder: Path) -> dict[str, str]:
    file = folder / PROPS_FILE
    if not file.is_file():
        return {}
    try:
        props = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise MigrationError(f"{file}: not valid JSON: {exc}") from None
    if not isinstance(props, dict):
        raise MigrationError(f"{file}: not a JSON object")
    return {str(k): str(v) for k, v in props.items()}


def migrate(store: Store, source: Path, actor: str) -> MigrationReport:
    """Recreate every folder, collection and item; refuses a path that already holds data."""
    root = collection_root(source)
    report = MigrationReport()
    for folder, subdirs, _ in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        relative = Path(folder).relative_to(root).as_posix()
        if relative == ".":
            continue
        props = _props(Path(folder))
        if not props.get("tag"):
            store.ensure_folder(relative, actor)
            report.folders += 1
            continue
        subdirs[:] = []  # an address book or calendar holds no collections
        _migrate_collection(store, Path(folder), relative, props, actor, report)
    return report


def _migrate_collection(store: Store, folder: Path, path: str, props: dict[str, str],
                        actor: str, report: MigrationReport) -> None:
    existing = store.collection(path)
    if existing is not None and next(iter(store.all_items(existing.id, False)), None):
        report.skipped.append(f"/{path}/: already exists in cms_dav with items")
        return
    items: list[tuple[str, ItemData]] = []
    for file in sorted(folder.iterdir()):
        if file.name.startswith(".") or not file.is_file():
            continue
        try:
            text = file.read_bytes().decode("utf-8")
            items.append((file.name, item_data_as_sent(text, props["tag"], path)[0]))
        except (UnicodeDecodeError, ItemError) as exc:
            report.skipped.append(f"/{path}/{file.name}: {exc}")
    store.replace_collection(path, props, items, actor,
                             attested=True)  # migrated history is taken as it was
    report.collections += 1
    report.items += len(items)
