// ssecheck client adapter for the npm package `eventsource-parser`: a
// streaming parser with no connection of its own. Node's built-in fetch
// makes one request, the body is decoded with TextDecoderStream (as the
// README's stream usage does) and each chunk is fed to createParser().
// Event lines: ../../../shared/contracts.md section 1.
import { createParser } from 'eventsource-parser';

const emit = (line) => process.stdout.write(JSON.stringify(line) + '\n');

const url = process.argv[2] ?? process.env.SSE_URL;
// Stay until the harness closes stdin (the case is over).
process.stdin.on('data', () => {}).on('end', () => process.exit(0));

const parser = createParser({
  // The parser's message carries only its own block's `id` (undefined when
  // the block has none), not the last event ID: no lastEventId is printed
  // (--no-last-event-id). Its onId callback is left unused on purpose.
  // `event` is undefined when the block named no type; the README leaves the
  // default, `message`, to the caller, as EventSource does: printed as such.
  onEvent: (message) => emit({ kind: 'event', type: message.event || 'message', data: message.data }),
  onRetry: (ms) => emit({ kind: 'retry', ms }),
  onComment: (text) => emit({ kind: 'comment', text }),
});

try {
  const response = await fetch(url, { headers: { Accept: 'text/event-stream' } });
  // The parser has no notion of a response: like the repository's httpx-sse
  // example, the adapter only requires status 200 and checks no Content-Type.
  if (response.status !== 200) throw new Error(`status ${response.status}`);
  emit({ kind: 'open' });
  for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
    parser.feed(chunk);
  }
  // The body ended: without a connection of its own, nothing reconnects.
  emit({ kind: 'error', readyState: 2 });
} catch (error) {
  process.stderr.write(`${error}\n`);
  emit({ kind: 'error', readyState: 2 });
}
