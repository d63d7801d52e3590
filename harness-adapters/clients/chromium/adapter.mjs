// Chromium's native EventSource under the ssecheck client contract
// (../shared/contracts.md section 3). Plain Node.js, no dependencies.
//
// The harness serves a page at <origin of SSE_URL>/__ssecheck/browser.html
// (harness/src/client_mode/browser.html), so the EventSource is same-origin
// with the case URL. This script starts a loopback "sink" the page POSTs its
// event lines to (in order, batched while a POST is under way), launches
// headless Chromium at that page, and prints each line as it arrives. `close`
// on stdin answers the page's long poll on /close, and the page calls
// EventSource.close(). CHROMIUM overrides the browser's path.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash, X509Certificate } from 'node:crypto';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const url = process.argv[2] ?? process.env.SSE_URL;
if (!url) {
  process.stderr.write('usage: node adapter.mjs URL (or SSE_URL)\n');
  process.exit(2);
}
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const profile = mkdtempSync(join(tmpdir(), 'ssecheck-chromium-'));

// The harness ends a case with SIGKILL to this process group, which leaves
// no chance to clean up: a detached watcher removes the profile once this
// process is gone.
spawn(process.execPath, ['-e', `
  const [pid, dir] = process.argv.slice(1);
  const alive = () => { try { process.kill(+pid, 0); return true; } catch { return false; } };
  const tick = () => alive() ? setTimeout(tick, 500)
    : setTimeout(() => require('fs').rmSync(dir, { recursive: true, force: true, maxRetries: 5 }), 500);
  tick();`, String(process.pid), profile], { detached: true, stdio: 'ignore' }).unref();

let closeWaiters = [];
let closeRequested = false;
const sink = http.createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/close') {
    if (closeRequested) response.end();
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

let browser;
function shutdown(status) {
  if (browser && browser.exitCode === null) browser.kill('SIGKILL');
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
      for (const waiter of closeWaiters) waiter.end();
      closeWaiters = [];
    }
  }
});
process.stdin.on('end', () => shutdown(0));

// Under --tls: Chromium's own mechanism for trusting one key without
// touching a certificate store, --ignore-certificate-errors-spki-list, with
// the SHA-256 of the run's CA key (SSE_CA_FILE), which the harness serves in
// its chain. Any other certificate error still fails.
function trustTheRunsCa() {
  if (!process.env.SSE_CA_FILE) return [];
  const ca = new X509Certificate(readFileSync(process.env.SSE_CA_FILE));
  const spki = ca.publicKey.export({ type: 'spki', format: 'der' });
  return [`--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`];
}

sink.listen(0, '127.0.0.1', () => {
  const page = new URL('/__ssecheck/browser.html', url);
  // The fragment is never sent to the harness, so long event types (they can
  // be 64 KiB) meet no limit on request targets.
  page.hash = new URLSearchParams({
    src: url,
    sink: `http://127.0.0.1:${sink.address().port}`,
    // Every type exactly (NUL and commas too), as a JSON array.
    types: process.env.SSE_EVENT_TYPES_JSON
      ?? JSON.stringify((process.env.SSE_EVENT_TYPES ?? '').split(',').filter((t) => t !== '')),
  }).toString();
  browser = spawn(chromium, [
    ...trustTheRunsCa(),
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    `--user-data-dir=${profile}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    '--disable-default-apps',
    '--disable-breakpad',
    '--disable-domain-reliability',
    '--disable-client-side-phishing-detection',
    '--metrics-recording-only',
    '--password-store=basic',
    '--use-mock-keychain',
    '--mute-audio',
    // Timers (the reconnection delay) must run at full speed in a page
    // nobody looks at.
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
    '--log-level=3',
    page.href,
  ], { stdio: ['ignore', process.stderr, process.stderr] });
  browser.on('error', (error) => {
    process.stderr.write(`cannot start Chromium at ${chromium} (${error.code}); set CHROMIUM to its path\n`);
    shutdown(2);
  });
  browser.on('exit', (code, signal) => {
    process.stderr.write(`Chromium exited (${signal ?? code})\n`);
    shutdown(1);
  });
});
