// WebKit's native EventSource under the ssecheck client contract: Debian's
// WebKitGTK (gir1.2-webkit2-4.1) in page.py, under an Xvfb of its own, an
// ephemeral web context per case, showing the page of ../browser.mjs.
// page.py speaks the contract itself (event lines on its stdout, `close` on
// its stdin) through WebKit's script message handler, so this launcher only
// builds the page's URL. WEBKIT_PYTHON overrides the Python that has
// Debian's python3-gi. `--version` prints the version of the WebKitGTK
// library that runs.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { caseUrl, pageUrl, printVersion } from '../browser.mjs';

const python = process.env.WEBKIT_PYTHON || '/usr/bin/python3';
const script = fileURLToPath(new URL('page.py', import.meta.url));

if (process.argv[2] === '--version') {
  printVersion(python, [script, '--version']);
} else {
  const page = spawn(python, [script, pageUrl(caseUrl())], {
    stdio: 'inherit',
    // No accessibility bus, no GPU, no sandbox namespaces (the harness may
    // run as root in a container, where bubblewrap cannot start).
    env: {
      ...process.env,
      NO_AT_BRIDGE: '1',
      WEBKIT_DISABLE_COMPOSITING_MODE: '1',
      WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS: '1',
      LIBGL_ALWAYS_SOFTWARE: '1',
    },
  });
  page.on('error', (error) => {
    process.stderr.write(`cannot run ${python} (${error.code}); set WEBKIT_PYTHON to a Python with python3-gi\n`);
    process.exit(2);
  });
  page.on('exit', (code, signal) => process.exit(signal ? 1 : code ?? 1));
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => page.kill('SIGKILL'));
}
