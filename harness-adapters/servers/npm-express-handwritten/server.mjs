// Express with a hand-written SSE handler, the way docs and tutorials show it:
// res.writeHead with text/event-stream headers, then each event written as
// `field: ${value}\n` template strings. The values are not escaped on purpose:
// this is the naive pattern under test, so a newline in a field is written as is.
import express from "express";

const app = express();
app.use(express.json({ limit: "10mb" }));

const clients = new Set();

app.get("/events", (req, res) => {
  res.writeHead(200, {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
  });
  // As tutorials do: without it Node holds the headers until the first write.
  res.flushHeaders();
  clients.add(res);
  req.on("close", () => clients.delete(res));
});

app.post("/publish", (req, res) => {
  const { event, data, id, retry } = req.body ?? {};
  let message = "";
  if (id !== undefined) message += `id: ${id}\n`;
  if (event !== undefined) message += `event: ${event}\n`;
  if (retry !== undefined) message += `retry: ${retry}\n`;
  if (data !== undefined) message += `data: ${data}\n`;
  message += "\n";
  for (const client of clients) client.write(message);
  res.status(204).end();
});

const server = app.listen(0, "127.0.0.1", () => {
  console.log(`http://127.0.0.1:${server.address().port}`);
});
