"""The live country table: stored, versioned and edited by admins; read by every call."""
