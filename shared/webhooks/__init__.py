"""Signed webhooks (§12): an outbox written with each change, delivered by workers.

- :mod:`shared.webhooks.events`: the event types and :func:`emit`, which writes an event and
  one delivery per subscribed endpoint into the caller's transaction.
- :mod:`shared.webhooks.delivery`: one attempt of one delivery (claim, sign, send, record).
- :mod:`shared.webhooks.destinations`: the SSRF guard, checked at creation and at delivery.
- :mod:`shared.webhooks.secrets`: signing secrets, encrypted at rest.
- :mod:`shared.webhooks.sweeper`: re-publishes deliveries that are due or were lost.
"""
