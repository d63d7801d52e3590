"""ssecheck client adapter for requests-sse (EventSource over requests).

It follows the README: `with EventSource(url) as event_source: for event in
event_source: ...`, catching the documented exceptions. requests-sse mirrors
the browser interface: on_open and on_error callbacks, a ready_state, its own
reconnection (it doubles the reconnection time before each wait), retry and
Last-Event-ID handling, latest_event_id for the first request, method and
timeout parameters, extra keyword arguments (headers, data) passed to
requests, and close(). The adapter maps those
one to one and adds nothing.
"""
import json
import os
import sys
import threading

import requests
from requests_sse import EventSource, InvalidContentTypeError, InvalidStatusCodeError

closed = threading.Event()
event_source = None


def emit(line):
    # One event line (contracts.md section 1), flushed at once.
    print(json.dumps(line, ensure_ascii=False, separators=(",", ":")), flush=True)


def on_error():
    # ready_state is already CONNECTING (0, it will reconnect) or CLOSED (2).
    emit({"kind": "error", "readyState": int(event_source.ready_state)})


def watch_stdin():
    for command in sys.stdin:
        if command.strip() == "close" and event_source is not None:
            closed.set()
            # From this thread, while the main thread reads: the only way to
            # stop a blocking iteration from outside.
            event_source.close()
    # The harness closed stdin: the case is over.
    os._exit(0)


url = sys.argv[1] if len(sys.argv) > 1 else os.environ["SSE_URL"]
options = {}
if "SSE_HEADERS" in os.environ:
    # Extra keyword arguments go to requests' request().
    options["headers"] = json.loads(os.environ["SSE_HEADERS"])
if "SSE_LAST_EVENT_ID" in os.environ:
    options["latest_event_id"] = os.environ["SSE_LAST_EVENT_ID"]
if "SSE_METHOD" in os.environ:
    # The method parameter; the body is an extra keyword argument (data=).
    options["method"] = os.environ["SSE_METHOD"]
    options["data"] = os.environ.get("SSE_BODY", "").encode()
if "SSE_READ_TIMEOUT_MS" in os.environ:
    # The timeout parameter: "how long to wait for the server to send data
    # before giving up", in seconds.
    options["timeout"] = int(os.environ["SSE_READ_TIMEOUT_MS"]) / 1000
event_source = EventSource(url, on_open=lambda: emit({"kind": "open"}), on_error=on_error, **options)
threading.Thread(target=watch_stdin, daemon=True).start()
try:
    with event_source:
        for event in event_source:
            # type is printed as delivered: requests-sse defaults it to
            # "message" only when data comes before any event field.
            emit({"kind": "event", "type": event.type, "data": event.data, "lastEventId": event.last_event_id})
except (InvalidStatusCodeError, InvalidContentTypeError, requests.RequestException) as error:
    # The documented failures; on_error has already reported readyState 2.
    print(f"requests-sse: {error!r}", file=sys.stderr, flush=True)
except Exception as error:
    # Anything else (say, a UnicodeDecodeError) escapes the library without
    # an on_error call: logged, and nothing is made up for it.
    print(f"requests-sse raised: {error!r}", file=sys.stderr, flush=True)
threading.Event().wait()
