"""WebDAV-Push (draft-bitfire-webdav-push, in the version DAVx5 implements): a phone
learns of a change to a collection within seconds instead of at its next poll.

- :mod:`.vapid`: the server's VAPID key (RFC 8292) in the data dir, and the topics;
- :mod:`.xml`: the ``push-register`` body, the collection properties, the ``push-message``;
- :mod:`.subscriptions`: the subscriptions table (register, unregister, expire);
- :mod:`.route`: which subscriptions an outbox event goes to (fan-out in the write);
- :mod:`.sender`: one RFC 8030 Web Push message, encrypted per RFC 8291, per delivery.

The HTTP side is :mod:`cms_dav.wsgi.push_register` (POST/DELETE, ``DAV`` header) and
:mod:`cms_dav.wsgi.push_props` (the properties in PROPFIND answers).
"""

#: the consumer name in ``outbox_deliveries``
CONSUMER = "push"
#: the XML namespace of every WebDAV-Push element
NS = "https://bitfire.at/webdav-push"
