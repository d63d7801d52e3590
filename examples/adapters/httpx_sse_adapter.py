#!/usr/bin/env python3
"""An ssecheck client adapter for the Python library httpx-sse.

    pip install httpx httpx-sse
    cargo xtask check --client "python3 examples/adapters/httpx_sse_adapter.py" --no-reconnect

httpx-sse parses a stream but never reconnects, hence --no-reconnect.
The adapter protocol is in README.md ("Checking a client").
"""
import json
import os
import sys

import httpx
from httpx_sse import SSEError, connect_sse


def emit(line):
    # One event line (contracts.md section 1) per line, flushed at once.
    print(json.dumps(line, ensure_ascii=False, separators=(",", ":")), flush=True)


url = sys.argv[1] if len(sys.argv) > 1 else os.environ["SSE_URL"]
try:
    with httpx.Client(timeout=None) as client, connect_sse(client, "GET", url) as source:
        if source.response.status_code != 200:
            raise SSEError(f"status {source.response.status_code}")
        emit({"kind": "open"})
        for sse in source.iter_sse():
            if sse.retry is not None:
                emit({"kind": "retry", "ms": sse.retry})
            emit({"kind": "event", "type": sse.event, "data": sse.data, "lastEventId": sse.id})
except (httpx.HTTPError, SSEError):
    # httpx-sse gives up on any error: that is failing the connection.
    emit({"kind": "error", "readyState": 2})
# Stay until the harness closes stdin (the case is over).
sys.stdin.read()
