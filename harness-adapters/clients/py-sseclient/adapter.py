"""ssecheck client adapter for sseclient (btubbs/sseclient) over requests.

It follows the README: `for msg in SSEClient(url): ...`. SSEClient makes the
request itself (requests.get(..., stream=True), raise_for_status()) and, when
the body ends or a read fails, prints the exception, sleeps `retry` ms
(3000, or the last retry field) and reconnects with Last-Event-ID from its
`last_id` attribute. It has no open/error callbacks and no close, so the
adapter only observes: a subclass wraps _connect (the one place the library
connects) to print `open` when it returns, `error` 0 before each reconnection
and `error` 2 when it raises (the exception then ends the iteration). It
changes nothing the library does. lastEventId is the client's `last_id` after
the event, the ID the library tracks and sends.
"""
import json
import os
import sys
import threading

from sseclient import SSEClient

# sseclient print()s the exception before each reconnection: keep that in
# stderr (the adapter's log), since stdout carries only event lines.
out = sys.stdout
sys.stdout = sys.stderr


def emit(line):
    # One event line (contracts.md section 1), flushed at once.
    out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()


def watch_stdin():
    # sseclient has no close: commands are ignored; EOF ends the case.
    for _ in sys.stdin:
        pass
    os._exit(0)


class ObservedClient(SSEClient):
    connected_once = False
    gave_up = False

    def _connect(self):
        if self.connected_once:
            # The library calls _connect again only to reconnect, after its
            # own sleep.
            emit({"kind": "error", "readyState": 0})
        self.connected_once = True
        try:
            super()._connect()
        except Exception:
            self.gave_up = True
            emit({"kind": "error", "readyState": 2})
            raise
        emit({"kind": "open"})


url = sys.argv[1] if len(sys.argv) > 1 else os.environ["SSE_URL"]
options = {}
if "SSE_HEADERS" in os.environ:
    # Extra keyword arguments go to requests.get, as the README says.
    options["headers"] = json.loads(os.environ["SSE_HEADERS"])
if "SSE_LAST_EVENT_ID" in os.environ:
    options["last_id"] = os.environ["SSE_LAST_EVENT_ID"]
threading.Thread(target=watch_stdin, daemon=True).start()
messages = None
try:
    messages = ObservedClient(url, **options)
    for msg in messages:
        if msg.retry:
            emit({"kind": "retry", "ms": msg.retry})
        emit({"kind": "event", "type": msg.event, "data": msg.data, "lastEventId": messages.last_id or ""})
except Exception as error:  # whatever ends the iteration ends the client
    print(f"sseclient: {error!r}", file=sys.stderr, flush=True)
    # Any other exception (say, int() of a bad retry field) ends the
    # iteration too: the library has given up.
    if messages is not None and not messages.gave_up:
        emit({"kind": "error", "readyState": 2})
threading.Event().wait()
