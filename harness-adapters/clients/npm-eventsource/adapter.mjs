// ssecheck client adapter for the npm package `eventsource` (the WHATWG
// EventSource polyfill), used as its README shows: `new EventSource(url)`,
// `addEventListener` per event type, `close()`; request headers through the
// documented `fetch` option. Event lines: ../../../shared/contracts.md section 1.
import { EventSource } from 'eventsource';
import { createInterface } from 'node:readline';

const emit = (line) => process.stdout.write(JSON.stringify(line) + '\n');

const url = process.argv[2] ?? process.env.SSE_URL;
const init = {};
if (process.env.SSE_HEADERS) {
  // The README's "Setting HTTP request headers" recipe: wrap fetch, keep the
  // library's own headers (Accept, Last-Event-ID) and add ours.
  const extra = JSON.parse(process.env.SSE_HEADERS);
  init.fetch = (input, options) =>
    fetch(input, { ...options, headers: { ...options.headers, ...extra } });
}

const es = new EventSource(url, init);
// A stream's `event: open` / `event: error` is a MessageEvent of that type and
// reaches these handlers too (as in a browser): only plain Events are the
// connection's; the MessageEvents are printed by the listeners below.
es.onopen = (event) => { if (!(event instanceof MessageEvent)) emit({ kind: 'open' }); };
// readyState right after the error event: 0 = it will reconnect, 2 = closed.
es.onerror = (event) => {
  if (!(event instanceof MessageEvent)) emit({ kind: 'error', readyState: es.readyState });
};

// SSE_EVENT_TYPES_JSON carries every type exactly (NUL and commas included).
const listed = process.env.SSE_EVENT_TYPES_JSON
  ? JSON.parse(process.env.SSE_EVENT_TYPES_JSON)
  : (process.env.SSE_EVENT_TYPES ?? '').split(',');
const types = new Set(['message', ...listed]);
for (const type of types) {
  es.addEventListener(type, (event) => {
    if (event instanceof MessageEvent) {
      emit({ kind: 'event', type: event.type, data: event.data, lastEventId: event.lastEventId });
    }
  });
}

// stdin: `close` calls the library's close(); stdin's end ends the adapter.
createInterface({ input: process.stdin })
  .on('line', (command) => { if (command.trim() === 'close') es.close(); })
  .on('close', () => process.exit(0));
