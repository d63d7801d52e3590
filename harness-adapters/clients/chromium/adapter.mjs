// Chromium's native EventSource under the ssecheck client contract, through
// the page and sink of ../browser.mjs. CHROMIUM overrides the browser's path.
// `--version` prints the version of the Chromium that runs.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createHash, X509Certificate } from 'node:crypto';
import { drive, printVersion, spawnOptions } from '../browser.mjs';

const chromium = process.env.CHROMIUM || '/usr/bin/chromium';

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

if (process.argv[2] === '--version') {
  printVersion(chromium);
} else {
  drive({
    name: 'Chromium',
    launch: (page, profile) => spawn(chromium, [
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
      page,
    ], spawnOptions),
  });
}
