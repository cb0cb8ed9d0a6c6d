"""Users and logins: the bcrypt users file, app passwords, the login cache, the
failed-login throttle, and :class:`Authenticator` that puts them together (the immediate
401 challenge is a WSGI layer: :mod:`cms_dav.wsgi.challenge`)."""

from cms_dav.auth.authenticator import Authenticator, Login
from cms_dav.auth.errors import AuthError, InvalidPassword, InvalidUserName, UnknownUser, UserExists
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.auth.validation import check_password, check_user_name

__all__ = [
    "AuthError", "Authenticator", "HtpasswdFile", "InvalidPassword", "InvalidUserName",
    "Login", "UnknownUser", "UserExists", "check_password", "check_user_name",
]
