"""acl layer of cms_dav: rights file + shares table -> effective permissions.

The services are :class:`cms_dav.acl.policy.Policy` (effective rights, groups) and
:class:`cms_dav.acl.share_database.ShareDatabase` (Radicale's share-database
operations); :func:`cms_dav.app.build_app` makes one of each per App and every door
takes them from there.
"""
