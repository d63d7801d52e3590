"""Flask streaming SSE the way tutorials write it (Flask has no SSE support).

A generator yields hand-built "field: value\\n" lines ending in "\\n\\n" with
mimetype text/event-stream; each GET /events subscriber owns a queue.Queue and
POST /publish puts the formatted message on every queue. The fields are pasted
into the lines naively, as tutorials do: no splitting or escaping of newlines.
Served by werkzeug's threaded development server on port 0.
"""
import queue
import threading

from flask import Flask, Response, request
from werkzeug.serving import make_server

app = Flask(__name__)
# py-flask-open-comment sets this: a comment first, as many tutorials add.
OPEN_COMMENT = False
subscribers: list[queue.Queue] = []
lock = threading.Lock()


def format_sse(data, event=None, id=None, retry=None) -> str:
    msg = ""
    if event is not None:
        msg += f"event: {event}\n"
    if id is not None:
        msg += f"id: {id}\n"
    if retry is not None:
        msg += f"retry: {retry}\n"
    return msg + f"data: {data}\n\n"


@app.get("/events")
def events():
    q: queue.Queue = queue.Queue()
    with lock:
        subscribers.append(q)

    def stream():
        try:
            if OPEN_COMMENT:
                # WSGI sends the status and headers with the first body chunk.
                yield ": open\n\n"
            while True:
                yield q.get()
        finally:
            with lock:
                subscribers.remove(q)

    return Response(stream(), mimetype="text/event-stream")


@app.post("/publish")
def publish():
    p = request.get_json()
    msg = format_sse(p.get("data", ""), p.get("event"), p.get("id"), p.get("retry"))
    with lock:
        for q in subscribers:
            q.put(msg)
    return "", 204


def main():
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(f"http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
