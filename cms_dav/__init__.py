"""cms_dav: a contact-management server built on Radicale."""

__version__ = "0.1.0"
