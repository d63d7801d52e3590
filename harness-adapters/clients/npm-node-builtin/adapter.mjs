// ssecheck client adapter for Node.js's built-in EventSource (undici's, behind
// --experimental-eventsource in Node 20-22). No dependencies. Used like the
// browser API: `new EventSource(url)`, addEventListener per event type,
// close(). Event lines: ../../../shared/contracts.md section 1.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

if (typeof EventSource === 'undefined') {
  // This Node keeps EventSource behind a flag: run this same file again with
  // it, sharing stdin/stdout/stderr (the harness kills the process group).
  const child = spawn(process.execPath, ['--experimental-eventsource', '--no-warnings',
    ...process.argv.slice(1)], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  const emit = (line) => process.stdout.write(JSON.stringify(line) + '\n');
  const es = new EventSource(process.argv[2] ?? process.env.SSE_URL);
  // A stream's `event: open` / `event: error` is a MessageEvent of that type
  // and reaches these handlers too: only plain Events are the connection's.
  // undici's MessageEvent is its own class, not Node 20's global one, so a
  // message is told by its string `data`, not by instanceof.
  const isMessage = (event) => typeof event.data === 'string';
  es.onopen = (event) => { if (!isMessage(event)) emit({ kind: 'open' }); };
  // readyState right after the error event: 0 = it will reconnect, 2 = closed.
  es.onerror = (event) => {
    if (!isMessage(event)) emit({ kind: 'error', readyState: es.readyState });
  };
  // SSE_EVENT_TYPES_JSON carries every type exactly (NUL and commas included).
  const listed = process.env.SSE_EVENT_TYPES_JSON
    ? JSON.parse(process.env.SSE_EVENT_TYPES_JSON)
    : (process.env.SSE_EVENT_TYPES ?? '').split(',');
  const types = new Set(['message', ...listed]);
  for (const type of types) {
    es.addEventListener(type, (event) => {
      if (isMessage(event)) {
        emit({ kind: 'event', type: event.type, data: event.data, lastEventId: event.lastEventId });
      }
    });
  }
  // stdin: `close` calls close(); stdin's end ends the adapter.
  createInterface({ input: process.stdin })
    .on('line', (command) => { if (command.trim() === 'close') es.close(); })
    .on('close', () => process.exit(0));
}
