"""The recorder: any OPC UA server's signals, events and lots into the historian.

Three rooms, in the order data flows through them:

- ``ingest.opcua``: the OPC UA side: sessions (``connection``), what to record
  (``discovery``, ``selection``, ``server_limits``), subscriptions and the fast publish path
  (``subscriptions``, ``fast_publish``, ``notification_decoder``, ``values``), events,
  history for backfills (``backfill``) and nodes that fail (``quarantine``);
- ``ingest.pipeline``: one collector per endpoint feeding a bounded buffer, the batch writer
  with its durable spool, the record writer for events and lots, gap recovery;
- ``ingest.jobs``: what runs on a schedule beside recording: roll-ups and retention
  (``maintenance``), the twin's forecast (``forecast``).

``service`` wires them; ``cli`` is ``python -m ingest run | check``. SQL lives in ``store``.
"""

__all__: list[str] = []
