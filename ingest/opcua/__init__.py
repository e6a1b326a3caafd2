"""The OPC UA side of the recorder: sessions, discovery, subscriptions, decoding, history."""

__all__: list[str] = []
