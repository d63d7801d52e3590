// sse-channel on Express, as its README and express example show:
// `channel.addClient(req, res)` for each GET /events, and `channel.send(msg)`
// with the message object `{ data, id, event, retry }` the README documents.
// Default options: no JSON encoding, 500-event history, 20 s ping.
import express from "express";
import SseChannel from "sse-channel";

const app = express();
app.use(express.json({ limit: "10mb" }));

const channel = new SseChannel();

app.get("/events", (req, res) => {
  channel.addClient(req, res);
});

app.post("/publish", (req, res) => {
  const { event, data, id, retry } = req.body ?? {};
  channel.send({ event, data, id, retry });
  res.status(204).end();
});

const server = app.listen(0, "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${server.address().port}`);
});
