"""The admins' surfaces: the JSON API (and, later, pages)."""
