// express-sse: one SSE instance, `app.get(path, sse.init)` and `sse.send(data,
// eventName, customID)` as its README shows. The package has no retry
// parameter, so a published `retry` has nowhere to go and is not sent.
import express from "express";
import SSE from "express-sse";

const app = express();
app.use(express.json({ limit: "10mb" }));

// No initial content: the README's array is "(optional)".
const sse = new SSE();

app.get("/events", sse.init);

app.post("/publish", (req, res) => {
  const { event, data, id } = req.body ?? {};
  sse.send(data, event, id);
  res.status(204).end();
});

const server = app.listen(0, "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${server.address().port}`);
});
