"""Scheduled work beside recording: roll-ups and retention, and the twin's forecast."""

__all__: list[str] = []
