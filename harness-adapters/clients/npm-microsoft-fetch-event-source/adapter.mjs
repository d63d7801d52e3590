// ssecheck client adapter for `@microsoft/fetch-event-source`: one call to
// fetchEventSource(url, options) as its README shows, with the library's
// defaults (it retries after onerror returns, and stops when the body ends
// unless onclose throws). Event lines: ../../../shared/contracts.md section 1.
//
// Browser shim, the smallest that runs it under Node 20: the library calls
// window.fetch / window.setTimeout / window.clearTimeout, hence `window`; its
// dispose() (after the body ends, or on abort) always calls
// document.removeEventListener, hence a `document` with only that method.
// openWhenHidden: true keeps it from registering a visibilitychange listener.
globalThis.window = globalThis;
globalThis.document = { removeEventListener() {} };

import { fetchEventSource, EventStreamContentType } from '@microsoft/fetch-event-source';
import { createInterface } from 'node:readline';

const emit = (line) => process.stdout.write(JSON.stringify(line) + '\n');

const url = process.argv[2] ?? process.env.SSE_URL;
const headers = process.env.SSE_HEADERS ? JSON.parse(process.env.SSE_HEADERS) : {};
const controller = new AbortController();
// The README's POST example: method and body are fetch options the library
// passes on, again on every retry.
const request = process.env.SSE_METHOD
  ? { method: process.env.SSE_METHOD, body: process.env.SSE_BODY ?? '' }
  : {};

fetchEventSource(url, {
  ...request,
  headers,
  signal: controller.signal,
  openWhenHidden: true,
  // The library's own default onopen is not exported; this is the same check
  // (Content-Type starts with text/event-stream, status not looked at), only
  // so that `open` can be printed once it has passed.
  onopen(response) {
    const contentType = response.headers.get('content-type');
    if (!contentType?.startsWith(EventStreamContentType)) {
      throw new Error(`Expected content-type to be ${EventStreamContentType}, Actual: ${contentType}`);
    }
    emit({ kind: 'open' });
  },
  // msg.event is "" when the block has no event field, msg.id only that
  // block's id (not the last event ID): --no-last-event-id.
  // `event` is "" when the block named no type: the default type, `message`.
  onmessage: (msg) => emit({ kind: 'event', type: msg.event || 'message', data: msg.data }),
  // Returning nothing lets the library retry after its retry interval.
  onerror(error) {
    process.stderr.write(`onerror: ${error}\n`);
    emit({ kind: 'error', readyState: 0 });
  },
  // Not throwing here (the default): the body ended, the library has stopped.
  onclose: () => emit({ kind: 'error', readyState: 2 }),
}).catch((error) => process.stderr.write(`rejected: ${error}\n`));

// stdin: `close` aborts the signal (the README's way to stop); stdin's end
// ends the adapter.
createInterface({ input: process.stdin })
  .on('line', (command) => { if (command.trim() === 'close') controller.abort(); })
  .on('close', () => process.exit(0));
