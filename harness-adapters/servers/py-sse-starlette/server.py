"""sse-starlette's EventSourceResponse on Starlette, served by uvicorn.

GET /events yields one dict per published event (the README's "Basic usage"),
which EventSourceResponse turns into a ServerSentEvent and encodes itself.
POST /publish puts the JSON fields, as they are, on every subscriber's queue.
"""
import asyncio
import socket
import sys

import uvicorn
from sse_starlette import EventSourceResponse
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

subscribers: set[asyncio.Queue] = set()
FIELDS = ("event", "data", "id", "retry")


async def events(request):
    queue: asyncio.Queue = asyncio.Queue()
    subscribers.add(queue)

    async def stream():
        try:
            while True:
                yield await queue.get()
        finally:
            subscribers.discard(queue)

    return EventSourceResponse(stream())


async def publish(request):
    payload = await request.json()
    # Only the fields the payload has; their values go to the library untouched.
    event = {k: payload[k] for k in FIELDS if k in payload}
    for queue in list(subscribers):
        queue.put_nowait(event)
    return Response(status_code=204)


app = Starlette(routes=[
    Route("/events", events),
    Route("/publish", publish, methods=["POST"]),
])

if __name__ == "__main__":
    # Bind port 0 ourselves so the real port is known before uvicorn starts.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    server.run(sockets=[sock])
    sys.exit(0)
