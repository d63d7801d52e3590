// What the browser adapters (chromium/, firefox/, webkit/) share: the
// ssecheck client contract (../shared/contracts.md section 3) around a
// browser page. Plain Node.js, no dependencies.
//
// The harness serves a page at <origin of SSE_URL>/__ssecheck/browser.html
// (harness/src/client_mode/browser.html), so the EventSource is same-origin
// with the case URL. `drive` starts a loopback "sink" the page POSTs its
// event lines to (in order, batched while a POST is under way), has the
// adapter launch its browser at that page, and prints each line as it
// arrives. `close` on stdin answers the page's long poll on /close at once,
// and the page calls EventSource.close().
//
// Each adapter's `--version` prints the engine version that runs (read from
// the engine itself), which the matrix records in the report.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/// Runs the adapter: `launch(pageUrl, profileDir)` starts the browser and
/// returns its ChildProcess; `name` is said in errors.
export function drive({ name, launch }) {
  const url = caseUrl();
  const profile = mkdtempSync(join(tmpdir(), `ssecheck-${name.toLowerCase()}-`));
  removeWhenGone(profile);

  let closeWaiters = [];
  let closeRequested = false;
  const sink = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/close') {
      if (closeRequested) response.end('close');
      else closeWaiters.push(response);
      return;
    }
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      // POST /lines: event lines, and '#'-prefixed log lines, in page order.
      let out = '';
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
        if (line.startsWith('#')) {
          process.stdout.write(out);
          out = '';
          process.stderr.write(`page: ${line.slice(1)}\n`);
        } else if (line !== '') {
          out += line + '\n';
        }
      }
      process.stdout.write(out);
      response.statusCode = 204;
      response.end();
    });
  });
  // The long poll must not be cut by Node's own request timeouts.
  sink.requestTimeout = 0;
  sink.headersTimeout = 0;
  sink.keepAliveTimeout = 60_000;

  let browser;
  function shutdown(status) {
    // The browser's other processes share this process group, which the
    // harness kills at the end of the case.
    if (browser && browser.exitCode === null && browser.signalCode === null) browser.kill('SIGKILL');
    rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
    process.exit(status);
  }
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));

  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    pending += chunk;
    let end;
    while ((end = pending.indexOf('\n')) >= 0) {
      const command = pending.slice(0, end).trim();
      pending = pending.slice(end + 1);
      if (command === 'close') {
        closeRequested = true;
        for (const waiter of closeWaiters) waiter.end('close');
        closeWaiters = [];
      }
    }
  });
  process.stdin.on('end', () => shutdown(0));

  sink.listen(0, '127.0.0.1', () => {
    const page = pageUrl(url, `http://127.0.0.1:${sink.address().port}`);
    browser = launch(page, profile);
    browser.on('error', (error) => {
      process.stderr.write(`cannot start ${name} (${error.code}): ${error.message}\n`);
      shutdown(2);
    });
    browser.on('exit', (code, signal) => {
      process.stderr.write(`${name} exited (${signal ?? code})\n`);
      shutdown(1);
    });
  });
}

/// The harness's browser page for the case at `url`, its parameters in the
/// fragment, which is never sent to the harness, so long event types (they
/// can be 64 KiB) meet no limit on request targets. `sink`: where the page
/// sends its lines, if not to a native message handler.
export function pageUrl(url, sink) {
  const page = new URL('/__ssecheck/browser.html', url);
  page.hash = new URLSearchParams({
    src: url,
    ...(sink ? { sink } : {}),
    // Every type exactly (NUL and commas too), as a JSON array.
    types: process.env.SSE_EVENT_TYPES_JSON
      ?? JSON.stringify((process.env.SSE_EVENT_TYPES ?? '').split(',').filter((t) => t !== '')),
  }).toString();
  return page.href;
}

/// The adapter's URL argument (or SSE_URL); exit 2 without one.
export function caseUrl() {
  const url = process.argv[2] ?? process.env.SSE_URL;
  if (!url) {
    process.stderr.write('usage: node adapter.mjs URL (or SSE_URL), or --version\n');
    process.exit(2);
  }
  return url;
}

/// The options every launch passes to `spawn`: the browser's output on our
/// stderr. It stays in this process group, which the harness kills.
export const spawnOptions = { stdio: ['ignore', process.stderr, process.stderr] };

/// `--version`: prints what `command` prints of its version and exits.
export function printVersion(command, args = ['--version']) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk) => { out += chunk; });
  child.stderr.on('data', (chunk) => { out += chunk; });
  child.on('error', (error) => {
    process.stderr.write(`cannot run ${command} (${error.code})\n`);
    process.exit(2);
  });
  child.on('close', (code) => {
    process.stdout.write(out.split('\n').find((line) => /\d+\.\d+/.test(line)) ?? out);
    process.stdout.write('\n');
    process.exit(code ?? 1);
  });
}

/// The harness ends a case with SIGKILL to the adapter's process group,
/// which leaves no chance to clean up: a detached watcher removes the
/// profile once this process is gone.
function removeWhenGone(dir) {
  spawn(process.execPath, ['-e', `
    const [pid, dir] = process.argv.slice(1);
    const alive = () => { try { process.kill(+pid, 0); return true; } catch { return false; } };
    const tick = () => alive() ? setTimeout(tick, 500)
      : setTimeout(() => require('fs').rmSync(dir, { recursive: true, force: true, maxRetries: 5 }), 500);
    tick();`, String(process.pid), dir], { detached: true, stdio: 'ignore' }).unref();
}
