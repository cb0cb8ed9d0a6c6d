"""acl layer of cms_dav."""
