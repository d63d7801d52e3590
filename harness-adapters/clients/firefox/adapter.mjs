// Firefox's (Gecko's) native EventSource under the ssecheck client contract,
// through the page and sink of ../browser.mjs: Debian's firefox-esr,
// headless, a fresh profile per case. FIREFOX overrides the browser's path.
// `--version` prints the version of the Firefox that runs.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drive, printVersion, spawnOptions } from '../browser.mjs';

const firefox = process.env.FIREFOX || '/usr/bin/firefox-esr';

// The profile's prefs: no first run, telemetry, updates or other traffic of
// its own (the machine's network is closed, and each would cost time), and
// timers at full speed (the reconnection delay) in a page nobody looks at.
const prefs = {
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.startup.page': 0,
  'browser.aboutwelcome.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.sessionstore.resume_from_crash': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.region.network.url': '',
  'browser.search.geoip.url': '',
  'browser.ping-centre.telemetry': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'toolkit.startup.max_resumed_crashes': -1,
  'app.update.disabledForTesting': true,
  'app.update.auto': false,
  'app.normandy.enabled': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.autoDisableScopes': 15,
  'services.settings.server': 'data:,',
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.http.speculative-parallel-limit': 0,
  'network.http.http3.enable': false,
  'network.proxy.type': 0,
  'network.trr.mode': 5,
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
  'security.certerrors.mitm.priming.enabled': false,
  'dom.ipc.processPrelaunch.enabled': false,
  'dom.min_background_timeout_value': 4,
  'dom.timeout.enable_budget_timer_throttling': false,
  'dom.timeout.throttling_delay': 0,
};

function writeProfile(profile) {
  const lines = Object.entries(prefs).map(([name, value]) => `user_pref(${JSON.stringify(name)}, ${JSON.stringify(value)});\n`);
  writeFileSync(join(profile, 'user.js'), lines.join(''));
  // Under --tls: Gecko's own mechanism, the profile's NSS certificate
  // database (cert9.db), with the run's CA (SSE_CA_FILE) trusted for TLS
  // servers ("C,,") by NSS's certutil. Nothing outside the fresh profile
  // changes, and any other certificate still fails.
  if (process.env.SSE_CA_FILE) {
    const made = spawnSync('certutil', ['-N', '-d', `sql:${profile}`, '--empty-password'], { encoding: 'utf8' });
    const added = made.status === 0 && spawnSync('certutil', [
      '-A', '-d', `sql:${profile}`, '-n', 'ssecheck run CA', '-t', 'C,,', '-i', process.env.SSE_CA_FILE,
    ], { encoding: 'utf8' });
    if (!added || added.status !== 0) {
      process.stderr.write(`certutil could not trust ${process.env.SSE_CA_FILE} (Debian: apt-get install libnss3-tools): ${(added || made).stderr ?? made.error}\n`);
      process.exit(2);
    }
  }
}

if (process.argv[2] === '--version') {
  printVersion(firefox);
} else {
  drive({
    name: 'Firefox',
    launch: (page, profile) => {
      writeProfile(profile);
      return spawn(firefox, ['--headless', '--no-remote', '--profile', profile, '--new-instance', page], {
        ...spawnOptions,
        env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1', MOZ_DISABLE_AUTO_SAFE_MODE: '1' },
      });
    },
  });
}
