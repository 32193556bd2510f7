/**
 * End to end in headless Chromium against a real bank (startBank, temporary database, the
 * built app on the same origin): refusal paths, mixed files, submission with a capture of
 * every request, wrong PIN, status, withdrawal, CSP.
 */
import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBank } from './support/bank.js';
import { ensureWebBuilt } from './support/build.js';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { type Fixtures, makeFixtures } from './support/fixtures.js';
import { answerEligibility, asFilePayload, heading, screenshot, until } from './support/flow.js';

const PIN = 'lantern-47-river';

interface Captured {
  url: string;
  method: string;
  resourceType: string;
  body: Buffer | null;
}

describe.skipIf(!chromiumAvailable)('person flow end to end (real bank, headless Chromium)', () => {
  let bank: { url: string; close: () => Promise<void> };
  let browser: Browser;
  let fixtures: Fixtures;
  let created: { caseNumber: string; hashes: { signalType: string; value: string }[] } | undefined;

  beforeAll(async () => {
    await ensureWebBuilt();
    [bank, fixtures, browser] = await Promise.all([startTestBank(), makeFixtures(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await bank?.close();
  });

  async function newPage(
    options: Parameters<Browser['newContext']>[0] = {},
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ locale: 'en-GB', ...options });
    const page = await context.newPage();
    return { context, page };
  }

  it('serves the app with a strict Content-Security-Policy and no third-party resource', async () => {
    const { context, page } = await newPage();
    const requests: string[] = [];
    context.on('request', (request) => requests.push(request.url()));
    const response = await page.goto(bank.url);
    const csp = response?.headers()['content-security-policy'] ?? '';
    const directives = new Map(
      csp
        .split(';')
        .map((part) => part.trim().split(/\s+/))
        .filter((parts) => parts[0])
        .map(([name, ...values]) => [name, values] as const),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    for (const name of ['script-src', 'style-src', 'default-src']) {
      const values = directives.get(name) ?? directives.get('default-src') ?? [];
      expect(values, name).not.toContain("'unsafe-inline'");
      expect(values, name).not.toContain("'unsafe-eval'");
      expect(
        values.some((v) => v === '*' || v.startsWith('http')),
        name,
      ).toBe(false);
    }
    await until(() => heading(page).textContent()).toContain('Stop intimate images');
    // The policy lets the PDQ WebAssembly kernel compile (fast path) while eval() stays blocked.
    const allowed = await page.evaluate(async () => {
      const emptyModule = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
      const wasm = await WebAssembly.compile(emptyModule).then(
        () => true,
        () => false,
      );
      let evalAllowed = true;
      try {
        // Function() is eval's twin under CSP: blocked unless 'unsafe-eval' is allowed.
        new Function('return 1')();
      } catch {
        evalAllowed = false;
      }
      return { wasm, evalAllowed };
    });
    expect(allowed).toEqual({ wasm: true, evalAllowed: false });
    const origin = new URL(bank.url).origin;
    for (const url of requests)
      expect(url.startsWith(origin) || url.startsWith('blob:') || url.startsWith('data:'), url).toBe(true);
    await context.close();
  });

  it('turns people away kindly when the service is not for them', async () => {
    const { context, page } = await newPage();
    await page.goto(bank.url);
    await page.getByRole('button', { name: 'Start' }).click();
    await until(() => heading(page).textContent()).toBe('Check this service is right for you');

    // Nothing answered: an error summary, no step change.
    await page.getByRole('button', { name: 'Continue' }).click();
    await until(() => page.getByRole('alert').first().textContent()).toContain('answer every question');

    await answerEligibility(page, { over18: 'no', inContent: 'yes', intimate: 'yes' });
    await until(() => heading(page).textContent()).toBe('There is a service made for you');
    const link = page.getByRole('link', { name: 'Go to Take It Down' });
    expect(await link.getAttribute('href')).toBe('https://takeitdown.ncmec.org/');
    await screenshot(page, '03-refusal-under-18');

    await page.getByRole('button', { name: 'Change my answers' }).click();
    await answerEligibility(page, { over18: 'yes', inContent: 'no', intimate: 'yes' });
    await until(() => heading(page).textContent()).toBe('Only the person in the images can ask');

    await page.getByRole('button', { name: 'Change my answers' }).click();
    await answerEligibility(page, { over18: 'yes', inContent: 'yes', intimate: 'no' });
    await until(() => heading(page).textContent()).toBe('This service is only for intimate images');
    // Focus moved to the new step's heading for keyboard and screen-reader users.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    await context.close();
  });

  it('hashes a mixed selection locally and sends nothing but hashes', async () => {
    const { context, page } = await newPage();
    const origin = new URL(bank.url).origin;
    const captured: Captured[] = [];
    const foreign: string[] = [];
    const record = (request: Request) => {
      captured.push({
        url: request.url(),
        method: request.method(),
        resourceType: request.resourceType(),
        body: request.postDataBuffer(),
      });
    };
    context.on('request', record);
    // Route interception sees every request too (including the worker's); anything off-origin is refused.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (!url.startsWith(`${origin}/`)) {
        foreign.push(url);
        return route.abort('blockedbyclient');
      }
      return route.continue();
    });
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });

    await page.goto(bank.url);
    await screenshot(page, '01-start');
    await page.getByRole('button', { name: 'Start' }).click();
    await until(() => heading(page).textContent()).toBe('Check this service is right for you');
    await page.locator('input[name="over18"][value="yes"]').check();
    await page.locator('input[name="inContent"][value="yes"]').check();
    await page.locator('input[name="intimate"][value="yes"]').check();
    await screenshot(page, '02-eligibility');
    await page.getByRole('button', { name: 'Continue' }).click();
    await until(() => heading(page).textContent()).toBe('Choose the images and videos');

    const all = [fixtures.goodJpeg, fixtures.goodPng, fixtures.flatPng, fixtures.corruptJpeg, fixtures.video];
    if (fixtures.realVideo) all.push(fixtures.realVideo);
    await page.locator('#file-input').setInputFiles(all.map(asFilePayload));
    const summary = page.getByTestId('files-summary');
    await expect
      .poll(() => summary.textContent(), { timeout: 60_000 })
      .toBe(`${all.length - 2} of ${all.length} files ready. 2 files left out.`);

    const item = (name: string) => page.locator(`li.file[data-name="${name}"]`);
    expect(await item(fixtures.goodJpeg.name).getAttribute('data-state')).toBe('ready');
    expect(await item(fixtures.goodPng.name).getAttribute('data-state')).toBe('ready');
    expect(await item(fixtures.video.name).getAttribute('data-state')).toBe('ready');
    // Random bytes are no video: MD5 only, and the person is told what that means.
    expect(await item(fixtures.video.name).textContent()).toContain('exact-copy fingerprint');
    expect(await item(fixtures.flatPng.name).getAttribute('data-state')).toBe('excluded');
    expect(await item(fixtures.flatPng.name).textContent()).toContain('too little detail');
    expect(await item(fixtures.corruptJpeg.name).getAttribute('data-state')).toBe('excluded');
    expect(await item(fixtures.corruptJpeg.name).textContent()).toContain('cannot open this file');
    // Previews are local object URLs.
    const previewSrc = await item(fixtures.goodJpeg.name).locator('img').getAttribute('src');
    expect(previewSrc?.startsWith(`blob:${origin}/`)).toBe(true);
    await screenshot(page, '04-files');

    await page.getByRole('button', { name: 'Continue' }).click();
    await until(() => heading(page).textContent()).toBe('Agree and choose a PIN');
    const expectedTypes = ['md5', 'pdq', 'pdq', ...(fixtures.realVideo ? ['md5', 'vpdq'] : [])].sort();
    expect(await page.locator('.alert').first().textContent()).toContain(`${expectedTypes.length} hashes`);

    // Refused until ticked, and a weak PIN is refused before anything is sent.
    await page.locator('input[name="pin"]').fill('123456');
    expect(await page.getByTestId('pin-strength').textContent()).toContain('too easy to guess');
    await page.getByRole('button', { name: 'Send the hashes' }).click();
    expect(await page.getByText('Please tick both boxes to continue.').isVisible()).toBe(true);
    expect(captured.filter((c) => c.url.includes('/api/'))).toHaveLength(0);

    await page.locator('input[name="agreeFacts"]').check();
    await page.locator('input[name="agreeTerms"]').check();
    await page.locator('input[name="pin"]').fill(PIN);
    await page.locator('input[name="pinConfirm"]').fill(PIN);
    expect(await page.getByTestId('pin-strength').textContent()).toContain('strong');
    await screenshot(page, '05-consent-pin');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${origin}/api/v1/cases` && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Send the hashes' }).click(),
    ]);
    expect(response.status()).toBe(201);
    created = await response.json();
    await until(() => heading(page).textContent()).toBe('Your case has been created');
    expect(await page.getByTestId('case-number').textContent()).toBe(created?.caseNumber);
    await screenshot(page, '06-result');

    // The download is built locally and holds the case number, never the PIN.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download as text' }).click(),
    ]);
    const text = await new Promise<string>((resolve, reject) => {
      void download.createReadStream().then((stream) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        stream.on('error', reject);
      });
    });
    expect(text).toContain(created?.caseNumber ?? '?');
    expect(text).not.toContain(PIN);

    // ---- Privacy capture ----
    expect(foreign).toEqual([]);
    expect(cspViolations).toEqual([]);
    for (const request of captured) {
      expect(request.url.startsWith(`${origin}/`) || request.url.startsWith('blob:'), request.url).toBe(true);
    }
    const withBody = captured.filter((c) => c.body && c.body.length > 0);
    // Exactly one request carried data: the case, as JSON.
    expect(withBody.map((c) => `${c.method} ${new URL(c.url).pathname}`)).toEqual(['POST /api/v1/cases']);
    const body = withBody[0].body ?? Buffer.alloc(0);
    const sent = JSON.parse(body.toString('utf8')) as {
      pin: string;
      hashes: { signalType: string; value: string; quality?: number }[];
      consent: Record<string, boolean>;
    };
    expect(Object.keys(sent).sort()).toEqual(['consent', 'hashes', 'pin']);
    expect(sent.pin).toBe(PIN);
    expect(sent.hashes.map((h) => h.signalType).sort()).toEqual(expectedTypes);
    const shapes: Record<string, RegExp> = {
      pdq: /^[0-9a-f]{64}$/,
      md5: /^[0-9a-f]{32}$/,
      vpdq: /^vpdq1:[A-Za-z0-9_-]+$/,
    };
    for (const hash of sent.hashes) {
      expect(Object.keys(hash).every((key) => ['signalType', 'value', 'quality'].includes(key))).toBe(true);
      expect(hash.value).toMatch(shapes[hash.signalType]);
    }
    const md5s = sent.hashes.filter((h) => h.signalType === 'md5').map((h) => h.value);
    expect(md5s).toContain(fixtures.video.md5);
    if (fixtures.realVideo) {
      expect(md5s).toContain(fixtures.realVideo.md5);
      // vPDQ: 37 bytes per distinct sampled frame (one per second of a 4.3 s clip), base64url.
      const vpdq = sent.hashes.find((h) => h.signalType === 'vpdq')?.value ?? '';
      expect(vpdq.length).toBeLessThanOrEqual('vpdq1:'.length + Math.ceil((5 * 37 * 4) / 3));
    }
    // What the hashes need: each hash with its type and quality, the PIN and four consent flags.
    const needed = JSON.stringify({
      pin: PIN,
      hashes: sent.hashes.map((h) => ({ signalType: h.signalType, value: h.value, quality: 100 })),
      consent: { over18: true, inContent: true, intimate: true, agreesToTerms: true },
    }).length;
    expect(body.length).toBeLessThanOrEqual(needed);
    const totalUp = captured.reduce((sum, c) => sum + (c.body?.length ?? 0), 0);
    expect(totalUp).toBe(body.length);
    // No image bytes in any form: magic numbers raw or base64, or any 24-byte window of any file.
    const haystacks = [body, Buffer.from(body.toString('utf8'))];
    const text64 = body.toString('utf8');
    expect(body.includes(Buffer.from([0xff, 0xd8, 0xff]))).toBe(false);
    expect(body.includes(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBe(false);
    expect(text64.includes('/9j/')).toBe(false);
    expect(text64.includes('iVBORw0KGgo')).toBe(false);
    for (const fixture of all) {
      for (let offset = 0; offset + 24 <= fixture.buffer.length; offset += Math.max(24, fixture.buffer.length >> 6)) {
        const window = fixture.buffer.subarray(offset, offset + 24);
        for (const haystack of haystacks) expect(haystack.includes(window), `${fixture.name}@${offset}`).toBe(false);
        expect(text64.includes(window.toString('base64').slice(4, 28))).toBe(false);
        expect(text64.includes(window.toString('hex'))).toBe(false);
      }
    }
    // And the images' own digests are not smuggled either (the video MD5 is the one hash meant to go).
    for (const fixture of [fixtures.goodJpeg, fixtures.goodPng]) {
      expect(text64.includes(createHash('md5').update(fixture.buffer).digest('hex'))).toBe(false);
    }
    await context.close();
  });

  it('opens the case with its PIN only, shows status, and withdraws after confirmation', async () => {
    expect(created, 'the submission test must create a case first').toBeDefined();
    const caseNumber = created?.caseNumber ?? '';
    const { context, page } = await newPage();
    await page.goto(`${bank.url}/#/case`);
    await until(() => heading(page).textContent()).toBe('Check your case');

    await page.locator('input[name="caseNumber"]').fill(caseNumber.toLowerCase());
    await page.locator('input[name="pin"]').fill('wrong-pin-000');
    await page.getByRole('button', { name: 'Open case' }).click();
    await until(() => page.getByTestId('case-error').textContent()).toContain('could not open a case');
    expect(await page.getByTestId('case-details').count()).toBe(0);

    await page.locator('input[name="pin"]').fill(PIN);
    await page.getByRole('button', { name: 'Open case' }).click();
    const details = page.getByTestId('case-details');
    await details.waitFor();
    expect(await details.getAttribute('data-status')).not.toBe('withdrawn');
    expect(await details.locator('tbody tr').count()).toBe(created?.hashes.length);
    expect(await details.textContent()).toContain('No reports yet');
    await screenshot(page, '07-case-status');

    // Cancel keeps the case.
    await page.getByRole('button', { name: 'Withdraw this case' }).click();
    const dialog = page.getByRole('dialog', { name: 'Withdraw this case?' });
    await dialog.waitFor();
    await screenshot(page, '08-withdraw-confirm');
    await dialog.getByRole('button', { name: 'Keep my case' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await details.getAttribute('data-status')).not.toBe('withdrawn');

    await page.getByRole('button', { name: 'Withdraw this case' }).click();
    await dialog.getByRole('button', { name: 'Yes, withdraw' }).click();
    await until(() => details.getAttribute('data-status')).toBe('withdrawn');
    await until(() => page.getByTestId('case-notice').textContent()).toContain('has been withdrawn');
    expect(await page.getByRole('button', { name: 'Withdraw this case' }).count()).toBe(0);
    await screenshot(page, '09-withdrawn');
    await context.close();
  });
});
