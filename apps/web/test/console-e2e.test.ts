/**
 * The operator console end to end: a real bank (startBank, embedded database), the
 * built console in headless Chromium, operators created through the admin path
 * (the running server's admin socket). Covers sign-in (and a wrong password), the
 * dashboard's charts, key rotation (the old key stops working, the new one works),
 * quarantine and release of a disputed hash, and audit-log filtering. Screenshots
 * land in docs/screenshots/console-*.png when UNSEEN_SCREENSHOTS=docs/screenshots is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openAdmin, type RunningBank, startBank } from '@unseen/server';
import { generateSync } from 'otplib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.js';
import { ensureWebBuilt } from './support/build.js';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { screenshotDir } from './support/flow.js';
import { distDir } from './support/paths.js';

// Same rule as the person's flow: docs/screenshots only when UNSEEN_SCREENSHOTS asks for it.
const screenshots = screenshotDir;
const PASSWORD = 'correct horse battery staple';

function randomHex(bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++)
    out += Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, '0');
  return out;
}

/** A well-spread PDQ-like value the bank accepts (not degenerate). */
function pdqValue(): string {
  for (;;) {
    const hex = randomHex(32);
    let ones = 0;
    for (const ch of hex) ones += Number.parseInt(ch, 16).toString(2).replace(/0/g, '').length;
    if (ones > 110 && ones < 146) return hex;
  }
}

describe.skipIf(!chromiumAvailable)('operator console in Chromium', () => {
  let dataDir: string;
  let bank: RunningBank;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let url: string;
  const partners: Record<string, { id: string; key: string }> = {};
  const disputed = pdqValue();
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  const api = async (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const feedStatus = async (key: string, value: string) => {
    const res = await api('GET', '/v1/FetchHashes?startTimestamp=10&pageSize=5000', undefined, {
      'ocp-apim-subscription-key': key,
      'x-functions-key': 'x',
    });
    if (res.status !== 200) return `HTTP ${res.status}`;
    const records = res.body.hashRecords as { hashValue: string; hashStatus: string }[];
    return records.find((r) => r.hashValue === value)?.hashStatus;
  };

  beforeAll(async () => {
    await ensureWebBuilt();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'unseen-console-e2e-'));
    bank = await startBank({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      webRoot: distDir,
      config: { logLevel: 'warn', argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 } },
    });
    url = bank.url.replace(/\/$/, '');

    // The running server owns the folder: this goes through its admin socket, like the CLI.
    const admin = await openAdmin({ dataDir });
    try {
      expect(admin.via).toBe('server');
      await admin.createOperator({ email: 'ada@example.org', role: 'admin', password: PASSWORD });
      await admin.createOperator({ email: 'val@example.org', role: 'viewer', password: PASSWORD });
      for (const name of ['Photoshare', 'Clipsite', 'Forumhub']) {
        const created = await admin.createPartner({ name });
        partners[name] = { id: created.id, key: created.key };
      }
    } finally {
      await admin.close();
    }

    // Real data for the dashboard: cases, partner fetches and feedback.
    const consent = { over18: true, inContent: true, intimate: true, agreesToTerms: true };
    const values = [disputed, pdqValue(), pdqValue(), pdqValue()];
    for (const [i, value] of values.entries()) {
      const created = await api('POST', '/api/v1/cases', {
        pin: `58${i}1937`,
        hashes: [{ signalType: 'pdq', value, quality: 90 }],
        consent,
      });
      expect(created.status).toBe(201);
    }
    for (const { key } of Object.values(partners)) expect(await feedStatus(key, disputed)).toBe('Active');
    const feedback = (key: string, hashValue: string, feedbackValue: string) =>
      api(
        'POST',
        '/v1/SubmitFeedback',
        { count: 1, hashFeedbacks: [{ hashValue, feedbackValue, tags: [] }] },
        {
          'ocp-apim-subscription-key': key,
        },
      );
    await feedback(partners.Photoshare.key, values[1], 'Blocked');
    await feedback(partners.Clipsite.key, values[2], 'PendingReview');
    await feedback(partners.Forumhub.key, values[3], 'Blocked');
    // Two partners reviewed the match and kept the image up: the hash is disputed.
    await feedback(partners.Photoshare.key, disputed, 'NotBlocked');
    await feedback(partners.Clipsite.key, disputed, 'NotBlocked');
    expect(await feedStatus(partners.Forumhub.key, disputed)).toBe('Deleted');

    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: false });
    page = await context.newPage();
    page.on('request', (request) => requests.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await bank?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a wrong password, then signs in', async () => {
    const response = await page.goto(`${url}/console/`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByLabel('Email').fill('ada@example.org');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('email or password is not right');
    await page.screenshot({ path: path.join(screenshots, 'console-login.png') });
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('ada@example.org');
    // The session cookie is HttpOnly: the page's script cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'unseen_console')).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
    });
  });

  it('draws the dashboard from the bank’s data', async () => {
    await page.getByTestId('chart-cases').waitFor();
    expect(await page.getByTestId('stat-cases').locator('.stat__value').textContent()).toBe('4');
    expect(await page.getByTestId('stat-pending').locator('.stat__value').textContent()).toBe('1');
    expect(await page.getByTestId('stat-withheld').locator('.stat__value').textContent()).toBe('1');
    // One bar per series per day with data; the chart's table alternative carries the numbers.
    expect(await page.getByTestId('chart-cases').locator('svg.chart__svg rect.chart-series-0').count()).toBe(30);
    const feedbackRows = page.getByTestId('chart-feedback').locator('tbody tr');
    expect(await feedbackRows.count()).toBe(3);
    expect(await page.getByTestId('chart-freshness').locator('tbody tr').count()).toBe(3);
    expect(await seriousViolationsWithoutCsp(page)).toEqual([]);
    await page.screenshot({ path: path.join(screenshots, 'console-dashboard.png'), fullPage: true });
  });

  it('rotates a partner key: shown once, the old key stops working, the new one works', async () => {
    await page.getByRole('link', { name: 'Partners' }).click();
    await page.getByTestId('partners-table').waitFor();
    const oldKey = partners.Clipsite.key;
    await page.getByTestId('rotate-Clipsite').click();
    await page.getByTestId('rotate-Clipsite-confirm').click();
    await page.getByTestId('key-once').waitFor();
    const newKey = (await page.getByTestId('key-value').textContent())?.trim() ?? '';
    expect(newKey).toMatch(/^unseen_/);
    expect(newKey).not.toBe(oldKey);
    expect(await feedStatus(oldKey, disputed)).toBe('HTTP 401');
    expect(await feedStatus(newKey, disputed)).toBe('Deleted');
    partners.Clipsite.key = newKey;
    // Mask the secret in the committed screenshot.
    await page.screenshot({
      path: path.join(screenshots, 'console-partners.png'),
      fullPage: true,
      mask: [page.getByTestId('key-value')],
      maskColor: '#c9cfda',
    });
    await page.getByRole('button', { name: 'I have stored the key' }).click();
    expect(await page.getByTestId('key-once').count()).toBe(0);
  });

  it('opts a partner in to extended signal types', async () => {
    const row = page.getByTestId('partner-Forumhub');
    // A controlled checkbox: it turns on once the bank confirmed the change.
    await row.getByLabel('VideoVPDQ').click();
    await expect.poll(() => row.getByLabel('VideoVPDQ').isChecked()).toBe(true);
    const listed = await page.evaluate(async () => (await fetch('/api/admin/partners')).json());
    const forumhub = (listed.partners as { name: string; extendedSignalTypes: string[] }[]).find(
      (p) => p.name === 'Forumhub',
    );
    expect(forumhub?.extendedSignalTypes).toEqual(['VideoVPDQ']);
  });

  it('shows the quarantined hash with its evidence, and releases it back to partners', async () => {
    await page.getByRole('link', { name: 'Review queue' }).click();
    const item = page.locator(`[data-testid="review-item"][data-hash="${disputed}"]`);
    await item.waitFor();
    expect(await item.getByTestId('review-state').textContent()).toBe('Quarantined');
    expect(await item.textContent()).toContain('2 partners reviewed a match and did not remove it');
    // Hashes, counts and verdicts only: no image anywhere on the page.
    expect(await page.locator('img, picture, video, canvas').count()).toBe(0);
    await item.locator('summary').click();
    expect(await item.locator('tbody tr').count()).toBe(2);
    await page.screenshot({ path: path.join(screenshots, 'console-review.png'), fullPage: true });

    await item.getByLabel('Note for the audit log (optional)').fill('Reviewed by two operators: NCII, keep sharing.');
    await item.getByRole('button', { name: 'Re-enable' }).click();
    await page.getByTestId('review-empty').waitFor();
    expect(await feedStatus(partners.Forumhub.key, disputed)).toBe('Active');
    await page.getByTestId('review-filter').selectOption('decided');
    expect(await item.getByTestId('review-state').textContent()).toBe('Re-enabled');
  });

  it('adds to the allow-list; the bank then refuses that hash from people', async () => {
    const md5 = randomHex(16);
    await page.getByRole('link', { name: 'Allow-list' }).click();
    await page.getByLabel('Type').selectOption('md5');
    await page.getByLabel('Hash value').fill(md5.toUpperCase());
    await page.getByLabel('Note').fill('benign: a widely shared meme');
    await page.getByRole('button', { name: 'Add to allow-list' }).click();
    await expect.poll(() => page.getByTestId('allow-list-table').textContent()).toContain(md5);
    const refused = await api('POST', '/api/v1/cases', {
      pin: '5809137',
      hashes: [{ signalType: 'md5', value: md5 }],
      consent: { over18: true, inContent: true, intimate: true, agreesToTerms: true },
    });
    expect(refused.status).toBe(422);
    expect((refused.body.error as { code: string }).code).toBe('HASH_NOT_ACCEPTED');
  });

  it('filters the audit log by action, actor and date range', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByTestId('audit-table').waitFor();
    await page.getByLabel('Action').fill('partner.key_rotated');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(1);
    expect(await page.getByTestId('audit-row').first().textContent()).toContain('admin:ada@example.org');
    expect(await page.getByTestId('audit-row').first().textContent()).toContain(partners.Clipsite.id);
    // Never a key in the log.
    expect(await page.getByTestId('audit-table').textContent()).not.toContain('unseen_');

    await page.getByLabel('Action').fill('hash.');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(2);
    await page.getByLabel('Actor').fill('system');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(1);
    expect(await page.getByTestId('audit-row').textContent()).toContain('hash.quarantined');
    await page.screenshot({ path: path.join(screenshots, 'console-audit.png'), fullPage: true });

    const tomorrow = new Date(Date.now() + 86_400_000);
    const day = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('From').fill(day);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByTestId('audit-empty').waitFor();
  });

  it('turns on two-step sign-in, then requires the code at the next sign-in', async () => {
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
    await page.getByLabel('Authenticator code').fill(generateSync({ secret }));
    await page.getByRole('button', { name: 'Confirm and turn on' }).click();
    await expect.poll(() => page.getByTestId('totp-state').textContent()).toBe('On');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill('ada@example.org');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authenticator code').waitFor();
    // The enrolment code's time step is spent: wait for the next one rather than replay it.
    const step = Math.floor(Date.now() / 30_000);
    await expect.poll(() => Math.floor(Date.now() / 30_000), { timeout: 35_000, interval: 500 }).toBeGreaterThan(step);
    await page.getByLabel('Authenticator code').fill(generateSync({ secret }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('totp-state').textContent()).toBe('On');
  }, 60_000);

  it('a viewer can read but not act', async () => {
    const viewer = await browser.newContext();
    try {
      const viewerPage = await viewer.newPage();
      await viewerPage.goto(`${url}/console/#/partners`);
      await viewerPage.getByLabel('Email').fill('val@example.org');
      await viewerPage.getByLabel('Password').fill(PASSWORD);
      await viewerPage.getByRole('button', { name: 'Sign in' }).click();
      await viewerPage.getByTestId('partners-table').waitFor();
      expect(await viewerPage.getByRole('button', { name: 'Rotate key' }).count()).toBe(0);
      expect(await viewerPage.getByText('Only admins can create partners').count()).toBe(1);
    } finally {
      await viewer.close();
    }
  });

  it('loaded nothing from another origin and hit no CSP violation', () => {
    expect(requests.length).toBeGreaterThan(5);
    expect(requests.filter((r) => !r.startsWith(url))).toEqual([]);
    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
  });
});

/** axe is injected as a script, which the console's CSP forbids: run it in a CSP-bypassing copy of the page. */
async function seriousViolationsWithoutCsp(page: Page) {
  const browser = page.context().browser()!;
  const copy = await browser.newContext({ bypassCSP: true, storageState: await page.context().storageState() });
  try {
    const other = await copy.newPage();
    await other.goto(page.url());
    await other.getByTestId('chart-cases').waitFor();
    return await seriousViolations(other);
  } finally {
    await copy.close();
  }
}
