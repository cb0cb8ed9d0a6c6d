"""What the JSON API is built from: the App's services, handed over by the composition
root. No module here creates a service or keeps one in a global."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from cms_dav.acl.policy import Policy
from cms_dav.acl.share_database import ShareDatabase
from cms_dav.auth.authenticator import Authenticator
from cms_dav.config import Settings
from cms_dav.contacts.fields_file import FieldsFile
from cms_dav.contacts.segments import Segments
from cms_dav.reports.build import Options
from cms_dav.reports.model import Report
from cms_dav.store.store import Store


@dataclass(frozen=True)
class ApiServices:
    settings: Settings
    store: Store
    policy: Policy
    shares: ShareDatabase
    authenticator: Authenticator
    fields: FieldsFile
    segments: Segments
    #: builds a contacts report (``cms_dav.reports.build.build_report`` on the App)
    report: Callable[[Options], Report]
