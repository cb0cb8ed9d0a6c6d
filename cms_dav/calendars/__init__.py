"""Calendars cms_dav derives from contacts (birthdays, follow-ups): content and serving."""
