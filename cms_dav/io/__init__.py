"""io layer of cms_dav."""
