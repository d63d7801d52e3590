"""ssecheck client adapter for sseclient-py (module `sseclient`) over requests.

It follows the README's with_requests(): requests.get(url, stream=True), then
sseclient.SSEClient(response).events(). sseclient-py only parses a response
the caller opened: no status or Content-Type check, no reconnection, no retry
handling. Its Event.id is the id field of that one event (None without one),
printed as lastEventId ("" for None). Its Event.retry is the raw field text,
which nothing uses, so no retry lines are printed. `close` calls
SSEClient.close().
"""
import json
import os
import sys
import threading

import requests
import sseclient

closed = threading.Event()
client = None


def emit(line):
    # One event line (contracts.md section 1), flushed at once.
    print(json.dumps(line, ensure_ascii=False, separators=(",", ":")), flush=True)


def watch_stdin():
    for command in sys.stdin:
        if command.strip() == "close" and client is not None:
            closed.set()
            client.close()
    # The harness closed stdin: the case is over.
    os._exit(0)


url = sys.argv[1] if len(sys.argv) > 1 else os.environ["SSE_URL"]
headers = json.loads(os.environ.get("SSE_HEADERS") or "{}")
threading.Thread(target=watch_stdin, daemon=True).start()
try:
    # requests sends the headers; sseclient-py makes no request of its own.
    response = requests.get(url, stream=True, headers=headers)
    client = sseclient.SSEClient(response)
    # No notion of "open" in sseclient-py, and it accepts any response:
    # the headers are accepted once requests.get() has returned.
    emit({"kind": "open"})
    for event in client.events():
        emit({"kind": "event", "type": event.event, "data": event.data, "lastEventId": event.id or ""})
except Exception as error:  # whatever ends the iteration ends the client
    print(f"sseclient-py: {error!r}", file=sys.stderr, flush=True)
# The stream is over and sseclient-py never reconnects: closed for good
# (after our own close() no error is due, as for EventSource.close()).
if not closed.is_set():
    emit({"kind": "error", "readyState": 2})
threading.Event().wait()
