"""ssecheck client adapter for httpx-sse, driven over a synchronous httpx.Client.

It follows httpx-sse's README: connect_sse(client, "GET", url), the documented
event_source.response.raise_for_status() check, then event_source.iter_sse().
httpx-sse has no reconnection, no retry handling and no close of its own, so
the adapter makes exactly one request. `sse.id` is the decoder's last event ID
(it persists across events), printed as lastEventId.
"""
import json
import os
import ssl
import sys
import threading

import httpx
from httpx_sse import SSEError, connect_sse


def emit(line):
    # One event line (contracts.md section 1), flushed at once.
    print(json.dumps(line, ensure_ascii=False, separators=(",", ":")), flush=True)


def watch_stdin():
    # The case is over when the harness closes stdin; httpx-sse has no close
    # of its own, so commands are ignored.
    for _ in sys.stdin:
        pass
    os._exit(0)


def client_options():
    # httpx's own options for the run: the harness's CA (SSE_CA_FILE, under
    # --tls) and HTTP/2 (SSE_HTTP_VERSION=2: prior knowledge over http://,
    # ALPN h2 over https://; httpx's http2 extra, the h2 package).
    options = {"timeout": None}
    ca = os.environ.get("SSE_CA_FILE")
    if ca:
        options["verify"] = ssl.create_default_context(cafile=ca)
    if os.environ.get("SSE_HTTP_VERSION") == "2":
        options["http2"] = True
        options["http1"] = False
    return options


url = sys.argv[1] if len(sys.argv) > 1 else os.environ["SSE_URL"]
headers = json.loads(os.environ.get("SSE_HEADERS") or "{}")
threading.Thread(target=watch_stdin, daemon=True).start()
try:
    with httpx.Client(**client_options()) as client:
        # method-body: connect_sse's method argument; the body goes on to
        # httpx's request (content=).
        method = os.environ.get("SSE_METHOD", "GET")
        body = os.environ.get("SSE_BODY")
        request = {"headers": headers} if body is None else {"headers": headers, "content": body.encode()}
        with connect_sse(client, method, url, **request) as event_source:
            event_source.response.raise_for_status()
            # httpx-sse has no notion of "open": the response has been
            # accepted once the documented status check passes. Its
            # Content-Type check only runs when iter_sse() starts reading.
            emit({"kind": "open"})
            for sse in event_source.iter_sse():
                if sse.retry is not None:
                    emit({"kind": "retry", "ms": sse.retry})
                emit({"kind": "event", "type": sse.event, "data": sse.data, "lastEventId": sse.id})
except (httpx.HTTPError, SSEError) as error:
    print(f"httpx-sse: {error!r}", file=sys.stderr, flush=True)
# Whether the body ended or an error was raised, httpx-sse is done: it never
# reconnects, so the connection is closed for good.
emit({"kind": "error", "readyState": 2})
threading.Event().wait()
