// better-sse on Express: each GET /events gets `createSession(req, res)` and is
// registered with one `createChannel()`; publishing is `channel.broadcast(data,
// eventName, { eventId })`, as the README and docs show, with default options
// (JSON serializer, newline sanitizer, retry 2000 and a 10 s keep-alive).
// broadcast has no retry parameter; the library's way to write a retry field
// per event is an EventBuffer (`retry()` then `push()`) sent with
// `session.batch(buffer)`, so a payload with `retry` takes that path.
import express from "express";
import { createChannel, createSession, EventBuffer } from "better-sse";

const app = express();
app.use(express.json({ limit: "10mb" }));

const channel = createChannel();

app.get("/events", async (req, res) => {
  const session = await createSession(req, res);
  channel.register(session);
});

app.post("/publish", async (req, res) => {
  const { event, data, id, retry } = req.body ?? {};
  if (retry === undefined) {
    channel.broadcast(data, event, { eventId: id });
  } else {
    const buffer = new EventBuffer().retry(retry).push(data, event, id);
    for (const session of channel.activeSessions) await session.batch(buffer);
  }
  res.status(204).end();
});

const server = app.listen(0, "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${server.address().port}`);
});
