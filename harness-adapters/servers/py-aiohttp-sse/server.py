"""aiohttp with aiohttp-sse's sse_response.

Shaped like aiohttp-sse's examples/graceful_shutdown.py: each GET /events
handler registers its EventSourceResponse and waits on it; POST /publish calls
resp.send(data, id=, event=, retry=) on every open stream with the JSON fields
as they are. Where send() raises (an id or event name with a line break), the
exception escapes the publish handler and aiohttp answers as it does by default.
"""
import asyncio

from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response

streams = web.AppKey("streams", set[EventSourceResponse])


async def events(request: web.Request) -> web.StreamResponse:
    async with sse_response(request) as resp:
        request.app[streams].add(resp)
        try:
            await resp.wait()
        finally:
            request.app[streams].discard(resp)
    return resp


async def publish(request: web.Request) -> web.Response:
    p = await request.json()
    for resp in list(request.app[streams]):
        try:
            await resp.send(p.get("data"), id=p.get("id"),
                            event=p.get("event"), retry=p.get("retry"))
        except ConnectionResetError:
            # A subscriber that went away (send() has already stopped its
            # stream, as the library does); only ValueError is about the payload.
            pass
    return web.Response(status=204)


async def main() -> None:
    app = web.Application()
    app[streams] = set()
    app.router.add_get("/events", events)
    app.router.add_post("/publish", publish)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"http://127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
