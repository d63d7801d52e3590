"""ssecheck client adapter for the SSE decoder inside the Python `anthropic` SDK.

The SDK makes the request: `client.get(url, stream=True, stream_cls=Stream)`,
its documented way to call any endpoint, with its own httpx2 client and status
check (a non-2xx status raises APIStatusError). The events are those of
`Stream._iter_events()`: the SDK's decoder (`client._make_sse_decoder()`, an
`SSEDecoder`) over `response.iter_bytes()`, the step every streamed API
response goes through before `Stream.__stream__` drops `ping` events and
JSON-parses the rest (the public `Stream.raw_events(response)` runs the same
decoder class). Those steps are left out, so the decoder's own output is what
is checked.
"""
import json
import os
import ssl
import sys
import threading

import anthropic

closed = threading.Event()


def emit(line):
    # One event line (contracts.md section 1), flushed at once.
    print(json.dumps(line, ensure_ascii=False, separators=(",", ":")), flush=True)


def watch_stdin(stream_holder):
    # `close` calls Stream.close() (the README's way to stop a stream early);
    # the case is over when the harness closes stdin.
    for command in sys.stdin:
        if command.strip() == "close" and stream_holder:
            closed.set()
            stream_holder[0].close()
    os._exit(0)


def http_client():
    # The SDK's own httpx2 client class, with the run's CA (SSE_CA_FILE) and
    # HTTP/2 (SSE_HTTP_VERSION=2: over http:// prior knowledge, over https
    # ALPN h2) as httpx documents them.
    options = {}
    ca = os.environ.get("SSE_CA_FILE")
    if ca:
        options["verify"] = ssl.create_default_context(cafile=ca)
    if os.environ.get("SSE_HTTP_VERSION") == "2":
        options["http2"] = True
        options["http1"] = False
    return anthropic.DefaultHttpxClient(**options)


url = sys.argv[1] if len(sys.argv) > 1 else os.environ["SSE_URL"]
headers = json.loads(os.environ.get("SSE_HEADERS") or "{}")
holder = []
threading.Thread(target=watch_stdin, args=(holder,), daemon=True).start()
# max_retries=0: the SDK retries failed API requests (408, 409, 429, 5xx and
# connection errors) twice by default; that request policy is not SSE
# reconnection and would only blur the decoder's results.
client = anthropic.Anthropic(api_key="ssecheck", base_url=url, max_retries=0, timeout=None, http_client=http_client())
try:
    # method-body: the SDK's post(), whose body is JSON (as every SSE_BODY of
    # the cases is), serialized by the SDK.
    method = os.environ.get("SSE_METHOD", "GET").lower()
    body = os.environ.get("SSE_BODY")
    extra = {"body": json.loads(body)} if body else {}
    stream = getattr(client, method)(
        url, cast_to=object, options={"headers": headers}, stream=True, **extra, stream_cls=anthropic.Stream[object]
    )
    holder.append(stream)
    emit({"kind": "open"})
    for sse in stream._iter_events():
        if closed.is_set():
            break
        if sse.retry is not None:
            emit({"kind": "retry", "ms": sse.retry})
        # `event` is None for an event that named no type; the SDK leaves the
        # default to its caller: printed as "message". `id` is the decoder's
        # last event ID (it persists across events).
        emit({"kind": "event", "type": sse.event or "message", "data": sse.data, "lastEventId": sse.id or ""})
except Exception as error:  # the SDK's APIError family, and decoding errors
    if not closed.is_set():
        print(f"anthropic: {error!r}", file=sys.stderr, flush=True)
# The body ended or failed: the SDK never reconnects a stream.
if not closed.is_set():
    emit({"kind": "error", "readyState": 2})
threading.Event().wait()
