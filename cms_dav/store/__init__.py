"""store layer of cms_dav."""
