"""The durable outbox: what leaves the process (webhooks, push) is recorded in the
change's own transaction and sent afterwards, off the request path.

- :mod:`.events`: the event record and its kinds;
- :mod:`.changes`: turns the store's changes into events (:class:`~.changes.ChangeEvents`);
- :mod:`.recorder`: the store's :class:`~cms_dav.store.change_feed.ChangeFeed` that writes
  an event and fans it out to one delivery row per interested target (:class:`~.recorder.Route`);
- :mod:`.queue`: claiming due deliveries with a lease, and finishing them;
- :mod:`.dispatcher`: the delivery thread of ``cms-dav serve`` and the
  :class:`~.dispatcher.Sender` interface each consumer (webhooks, push) implements.
"""
