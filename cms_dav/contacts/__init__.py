"""contacts layer of cms_dav."""
