// The web UI end to end in headless Debian chromium (playwright-core drives it): open the
// page, attach an image, ask, and watch the answer stream in; then the same with a NIfTI
// volume shown as slices. Screenshots go to OUT_DIR for a human to look at.
//   node tests/e2e/browser_test.mjs HULUMED_BINARY MODEL_DIR OUT_DIR
// Exits 77 (skipped) only when /usr/bin/chromium is missing.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, stopServer } from './serve_process.mjs';

const [binary, model, outDir] = process.argv.slice(2);
const chromiumPath = '/usr/bin/chromium';
if (!existsSync(chromiumPath)) {
  console.log('SKIP: /usr/bin/chromium is not installed (scripts/setup.sh installs it)');
  process.exit(77);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
mkdirSync(outDir, { recursive: true });

function check(cond, message) {
  if (!cond) throw new Error(message);
}

// Sends one question with an attachment and returns what the page showed.
async function askWith(page, file, question) {
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => document.getElementById('file-name').textContent !== '');
  const before = await page.locator('.msg.assistant').count();
  await page.fill('#question', question);
  await page.click('#send');
  const answer = page.locator('.msg.assistant').nth(before);
  await page.locator('.msg[data-state="done"], .msg.error').nth(before).waitFor({ timeout: 60000 }).catch(() => {});
  const errorShown = await page.locator('.msg.error').allInnerTexts();
  check(errorShown.length === 0, `the page shows an error: ${errorShown.join('; ')}`);
  return {
    text: await answer.innerText(),
    meta: await answer.locator('.meta').innerText(),
    // SSE events the page read: the role chunk, content deltas, the finish and usage chunks.
    events: Number(await answer.getAttribute('data-events')),
  };
}

const profile = mkdtempSync(path.join(tmpdir(), 'hulumed-chromium-'));
const { child, url } = await startServer(binary, model, ['--max-tokens', '24']);
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('model').textContent !== '');

  const image = await askWith(page, path.join(root, 'testdata/media/images/rgb.png'), 'What does this image show?');
  console.log(`image answer: ${JSON.stringify(image.text.slice(0, 60))} | ${image.meta} | ${image.events} SSE events`);
  check(/\d+ prompt tokens .*\d+ visual .*\d+ generated/.test(image.meta), `no token counts shown: ${image.meta}`);
  check(image.events >= 4 && image.text.length > 0, 'the answer did not arrive as a stream');
  await page.screenshot({ path: path.join(outDir, 'image.png') });

  await page.click('#new-chat');
  const volume = await askWith(page, path.join(root, 'testdata/media/nifti/f32.nii.gz'), 'Any findings?');
  console.log(`volume answer: ${volume.meta}`);
  check(await page.locator('#preview-volume').isVisible(), 'the volume viewer is not shown');
  await page.screenshot({ path: path.join(outDir, 'volume.png') });
  check(errors.length === 0, `page errors: ${errors.join('; ')}`);
  console.log(`PASS (screenshots in ${outDir})`);
} finally {
  await context?.close();
  await stopServer(child);
  rmSync(profile, { recursive: true, force: true });
}
