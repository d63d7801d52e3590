// ssecheck client adapter for the SSE decoder inside the npm package
// `@anthropic-ai/sdk` (the Anthropic SDK). The SDK makes the request
// (`client.get(url)`, its own status check, the global fetch it uses by
// default) and the body is decoded by `Stream.rawEvents(response,
// controller)`: the SDK's public door to `_iterSSEMessages`, the generator
// `Stream.fromSSEResponse` runs on every streamed API response before it
// drops `ping` and unnamed messages and JSON-parses the rest. Those steps are
// left out, so the decoder's own output is what is checked.
// Event lines: ../../../shared/contracts.md section 1.
import Anthropic from '@anthropic-ai/sdk';
import { Stream } from '@anthropic-ai/sdk/core/streaming';
import { createInterface } from 'node:readline';

const emit = (line) => process.stdout.write(JSON.stringify(line) + '\n');

const url = process.argv[2] ?? process.env.SSE_URL;
const headers = process.env.SSE_HEADERS ? JSON.parse(process.env.SSE_HEADERS) : {};
const controller = new AbortController();
let closed = false;

// stdin: `close` aborts the request through the stream's controller (what
// `stream.controller.abort()` does, the SDK README's way to cancel a
// stream); stdin's end ends the adapter.
createInterface({ input: process.stdin })
  .on('line', (command) => {
    if (command.trim() === 'close') {
      closed = true;
      controller.abort();
    }
  })
  .on('close', () => process.exit(0));

// maxRetries 0: the SDK retries failed API requests (408, 409, 429, 5xx and
// connection errors) twice by default; that request policy is not SSE
// reconnection and would only blur the decoder's results.
const client = new Anthropic({ apiKey: 'ssecheck', baseURL: new URL(url).origin, maxRetries: 0 });
try {
  // asResponse(): the SDK's request and status check, without the JSON parse.
  // method-body: the SDK's post(), whose body is JSON (as every SSE_BODY of
  // the cases is), serialized by the SDK.
  const method = (process.env.SSE_METHOD ?? 'GET').toLowerCase();
  const body = process.env.SSE_BODY ? { body: JSON.parse(process.env.SSE_BODY) } : {};
  const response = await client[method](url, { headers, signal: controller.signal, stream: true, ...body })
    .asResponse();
  emit({ kind: 'open' });
  for await (const sse of Stream.rawEvents(response, controller)) {
    if (closed) break;
    // The decoder gives `event: null` for a message that named no type; the
    // SDK leaves the default to its caller: printed as "message".
    emit({ kind: 'event', type: sse.event || 'message', data: sse.data });
  }
} catch (error) {
  if (!closed) process.stderr.write(`${error}\n`);
}
// The body ended or failed: the SDK never reconnects a stream.
if (!closed) emit({ kind: 'error', readyState: 2 });
