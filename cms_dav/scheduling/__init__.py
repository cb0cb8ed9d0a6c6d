"""CalDAV scheduling between users of one server (RFC 6638): calendar user addresses,
iTIP messages made from stored events, their delivery through the store, free-busy."""
