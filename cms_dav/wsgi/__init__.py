"""Thin WSGI layers around Radicale's application."""
