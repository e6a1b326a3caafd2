"""The API's JSON answers, read the way a plant's script would (urllib, a Bearer key)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

__all__ = ["get_json"]


def get_json(url: str, key: str | None = None, body: Any = None) -> Any:
    """The JSON answer to a GET (or, with ``body``, a POST), sending the API ``key``."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)
