"""SQLite as civicdesk runs it: writers queue on a file lock (see :mod:`.base`)."""
