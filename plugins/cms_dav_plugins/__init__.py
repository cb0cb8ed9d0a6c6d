"""Radicale-facing plugin modules: thin adapters onto :mod:`cms_dav`.

Name them in a Radicale config as ``cms_dav_plugins.storage``, ``cms_dav_plugins.auth``...
"""
