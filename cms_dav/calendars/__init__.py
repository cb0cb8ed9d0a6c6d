"""calendars layer of cms_dav."""
