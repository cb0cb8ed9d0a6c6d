"""Bounded work per request (issue 10, item 3): item, XML, recurrence, quota and time limits.

Each refusal is a :class:`~cms_dav.limits.errors.LimitExceeded` that names the limit;
the WSGI layer (``cms_dav.wsgi.limits``) turns it into the DAV status and error body.
"""
