// The web UI with a real PACS: Debian's Orthanc (DICOMweb plugin) on a free loopback port
// holds the test CT series; `hulumed serve --dicomweb` lists its studies in the page, a user
// picks the series, asks, and the answer streams in. A screenshot goes to OUT_DIR.
//   node tests/e2e/pacs_ui_test.mjs HULUMED_BINARY MODEL_DIR OUT_DIR
// Exits 77 (skipped) only when chromium or Orthanc is not installed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { check, freePort, startServer, stopServer } from './serve_process.mjs';

const [binary, model, outDir] = process.argv.slice(2);
const chromiumPath = '/usr/bin/chromium';
const orthanc = '/usr/sbin/Orthanc';
const plugin = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
for (const [file, pkg] of [[chromiumPath, 'chromium'], [orthanc, 'orthanc'], [plugin, 'orthanc-dicomweb']]) {
  if (!existsSync(file)) {
    console.log(`SKIP: ${file} is missing (Debian package ${pkg}; scripts/setup.sh installs it)`);
    process.exit(77);
  }
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
mkdirSync(outDir, { recursive: true });
const user = 'pacsuser';
const password = 'ui-test-pacs-password';
const auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function startOrthanc(dir) {
  const port = await freePort();
  const config = path.join(dir, 'orthanc.json');
  writeFileSync(config, JSON.stringify({
    Name: 'hulumed-ui-test', StorageDirectory: path.join(dir, 'db'), IndexDirectory: path.join(dir, 'db'),
    HttpPort: port, DicomServerEnabled: false, RemoteAccessAllowed: false, AuthenticationEnabled: true,
    RegisteredUsers: { [user]: password }, Plugins: [plugin], DicomWeb: { Enable: true, Root: '/dicom-web/' },
  }));
  const child = spawn(orthanc, [config], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; ++i) {
    const up = await fetch(`${base}/system`, { headers: { Authorization: auth } }).then((r) => r.ok).catch(() => false);
    if (up) return { child, base };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('Orthanc did not come up within 20 s');
}

const scratch = mkdtempSync(path.join(tmpdir(), 'hulumed-pacs-ui-'));
const pacs = await startOrthanc(scratch);
let server;
let context;
try {
  const series = path.join(root, 'testdata/dicom/series');
  for (const name of readdirSync(series)) {
    const r = await fetch(`${pacs.base}/instances`, {
      method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/dicom' },
      body: readFileSync(path.join(series, name)),
    });
    check(r.ok, `Orthanc refused ${name}: HTTP ${r.status}`);
  }
  process.env.HULUMED_DICOMWEB_USER = user;
  process.env.HULUMED_DICOMWEB_PASSWORD = password;
  server = await startServer(binary, model, ['--max-tokens', '24', '--dicomweb', `${pacs.base}/dicom-web`]);

  context = await chromium.launchPersistentContext(path.join(scratch, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 760 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.locator('#pacs-studies tbody tr').first().waitFor({ timeout: 30000 });
  const row = await page.locator('#pacs-studies tbody tr').first().innerText();
  console.log(`study row: ${JSON.stringify(row)}`);
  check(row.includes('CompressedSamples^CT1') && row.includes('CT'), `the study list lacks the test study: ${row}`);
  await page.locator('#pacs-studies tbody tr').first().click();
  await page.locator('#pacs-series button').first().click();
  await page.waitForFunction(() => document.getElementById('file-name').textContent.includes('(PACS)'));
  await page.fill('#question', 'What does this CT series show?');
  await page.click('#send');
  await page.locator('.msg[data-state="done"], .msg.error').first().waitFor({ timeout: 120000 });
  const shownErrors = await page.locator('.msg.error').allInnerTexts();
  check(shownErrors.length === 0, `the page shows an error: ${shownErrors.join('; ')}`);
  const meta = await page.locator('.msg.assistant .meta').first().innerText();
  console.log(`answer: ${meta}`);
  check(/\d+ visual/.test(meta), `no visual tokens in the answer's figures: ${meta}`);
  await page.screenshot({ path: path.join(outDir, 'pacs.png') });
  check(errors.length === 0, `page errors: ${errors.join('; ')}`);
  console.log(`PASS (screenshot in ${outDir})`);
} finally {
  await context?.close();
  if (server) await stopServer(server.child);
  pacs.child.kill();
  rmSync(scratch, { recursive: true, force: true });
}
