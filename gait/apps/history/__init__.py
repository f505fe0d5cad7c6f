"""Session history: the SQLite store and the file of sessions waiting to be saved."""
