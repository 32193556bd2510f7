/**
 * Accessibility in headless Chromium: axe-core on every step (no serious or critical
 * violations), the whole flow by keyboard only, focus moving to each new step, the 320 px
 * layout, reduced motion, and language detection plus the switcher.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './support/axe.js';
import { startTestBank } from './support/bank.js';
import { ensureWebBuilt } from './support/build.js';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { type Fixtures, makeFixtures } from './support/fixtures.js';
import { asFilePayload, heading, screenshot, tabTo, until } from './support/flow.js';

const PIN = 'quiet-harbour-82';

describe.skipIf(!chromiumAvailable)('accessibility (real bank, headless Chromium)', () => {
  let bank: { url: string; close: () => Promise<void> };
  let browser: Browser;
  let fixtures: Fixtures;

  beforeAll(async () => {
    await ensureWebBuilt();
    [bank, fixtures, browser] = await Promise.all([startTestBank(), makeFixtures(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await bank?.close();
  });

  async function expectAccessible(page: Page, step: string): Promise<void> {
    const violations = await seriousViolations(page);
    expect(violations, `${step}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
  }

  async function expectFocusOnHeading(page: Page, text: string): Promise<void> {
    await until(() => heading(page).textContent()).toBe(text);
    await until(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
  }

  it('works by keyboard alone, with axe clean on every step', async () => {
    // bypassCSP only so axe-core can be injected; the CSP itself is tested in e2e-flow.
    const context = await browser.newContext({ locale: 'en-GB', bypassCSP: true, reducedMotion: 'reduce' });
    const page = await context.newPage();
    await page.goto(bank.url);
    await until(() => heading(page).textContent()).toBe('Stop intimate images from being shared');
    await expectAccessible(page, 'start');

    // The skip link is the first stop and moves focus to the main content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to main content');
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement as Element).boxShadow);
    expect(ring).not.toBe('none');

    await tabTo(page, (el) => el.tag === 'button' && el.text === 'Start');
    await page.keyboard.press('Enter');
    await expectFocusOnHeading(page, 'Check this service is right for you');
    await expectAccessible(page, 'eligibility');

    // Under 18 (arrow key picks "No" in the first group): the refusal page.
    await tabTo(page, (el) => el.name === 'over18');
    await page.keyboard.press('ArrowRight');
    await tabTo(page, (el) => el.name === 'inContent');
    await page.keyboard.press('Space');
    await tabTo(page, (el) => el.name === 'intimate');
    await page.keyboard.press('Space');
    await tabTo(page, (el) => el.tag === 'button' && el.text === 'Continue');
    await page.keyboard.press('Enter');
    await expectFocusOnHeading(page, 'There is a service made for you');
    await expectAccessible(page, 'refusal');
    await tabTo(page, (el) => el.text === 'Change my answers');
    await page.keyboard.press('Enter');
    await expectFocusOnHeading(page, 'Check this service is right for you');
    await tabTo(page, (el) => el.name === 'over18');
    await page.keyboard.press('ArrowLeft');
    expect(await page.locator('input[name="over18"][value="yes"]').isChecked()).toBe(true);
    await tabTo(page, (el) => el.tag === 'button' && el.text === 'Continue');
    await page.keyboard.press('Enter');

    await expectFocusOnHeading(page, 'Choose the images and videos');
    await expectAccessible(page, 'files (empty)');
    await tabTo(page, (el) => el.tag === 'button' && el.text === 'Choose files');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
    await chooser.setFiles([asFilePayload(fixtures.goodJpeg), asFilePayload(fixtures.flatPng)]);
    await expect
      .poll(() => page.getByTestId('files-summary').textContent(), { timeout: 30_000 })
      .toBe('1 of 2 files ready. 1 file left out.');
    await expectAccessible(page, 'files (hashed)');
    await tabTo(page, (el) => el.tag === 'button' && el.text === 'Continue');
    await page.keyboard.press('Enter');

    await expectFocusOnHeading(page, 'Agree and choose a PIN');
    await expectAccessible(page, 'consent');
    await tabTo(page, (el) => el.name === 'agreeFacts');
    await page.keyboard.press('Space');
    await tabTo(page, (el) => el.name === 'agreeTerms');
    await page.keyboard.press('Space');
    await tabTo(page, (el) => el.name === 'pin');
    await page.keyboard.type(PIN);
    await tabTo(page, (el) => el.name === 'pinConfirm');
    await page.keyboard.type(PIN);
    await tabTo(page, (el) => el.tag === 'button' && el.text === 'Send the hashes');
    await page.keyboard.press('Enter');

    await expectFocusOnHeading(page, 'Your case has been created');
    await expectAccessible(page, 'result');
    const caseNumber = (await page.getByTestId('case-number').textContent()) ?? '';
    expect(caseNumber.length).toBeGreaterThan(8);
    await tabTo(page, (el) => el.text === 'Check this case');
    await page.keyboard.press('Enter');

    await expectFocusOnHeading(page, 'Check your case');
    await expectAccessible(page, 'case (sign in)');
    expect(await page.locator('input[name="caseNumber"]').inputValue()).toBe(caseNumber);
    await tabTo(page, (el) => el.name === 'pin');
    await page.keyboard.type(PIN);
    await page.keyboard.press('Enter');
    await page.getByTestId('case-details').waitFor();
    await expectAccessible(page, 'case (status)');

    await tabTo(page, (el) => el.text === 'Withdraw this case');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    // The safe choice has focus; Escape closes without withdrawing.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Keep my case');
    await expectAccessible(page, 'withdraw dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.getByTestId('case-details').getAttribute('data-status')).not.toBe('withdrawn');
    await context.close();
  });

  it('fits a 320 px screen, honours reduced motion, and speaks the browser language', async () => {
    const context = await browser.newContext({
      locale: 'es-ES',
      viewport: { width: 320, height: 640 },
      reducedMotion: 'reduce',
      bypassCSP: true,
    });
    const page = await context.newPage();
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

    await page.goto(bank.url);
    await until(() => heading(page).textContent()).toBe('Evita que se compartan imágenes íntimas');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('es');
    expect(await overflow()).toBeLessThanOrEqual(0);
    const transition = await page
      .locator('.button')
      .first()
      .evaluate((el) => getComputedStyle(el).transitionDuration);
    expect(Number.parseFloat(transition)).toBeLessThan(0.001);
    await expectAccessible(page, 'start (es, 320 px)');

    // The switcher changes language and remembers it.
    await page.getByTestId('language').selectOption('fr');
    await until(() => heading(page).textContent()).toBe('Empêcher le partage d’images intimes');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('fr');
    await page.getByTestId('language').selectOption('en');
    await until(() => heading(page).textContent()).toBe('Stop intimate images from being shared');
    await screenshot(page, '10-mobile-320-start');

    await page.getByRole('button', { name: 'Start' }).click();
    expect(await overflow()).toBeLessThanOrEqual(0);
    for (const name of ['over18', 'inContent', 'intimate'])
      await page.locator(`input[name="${name}"][value="yes"]`).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page
      .locator('#file-input')
      .setInputFiles([
        asFilePayload(fixtures.goodJpeg),
        asFilePayload(fixtures.corruptJpeg),
        asFilePayload(fixtures.video),
      ]);
    await expect
      .poll(() => page.getByTestId('files-summary').textContent(), { timeout: 30_000 })
      .toBe('2 of 3 files ready. 1 file left out.');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await expectAccessible(page, 'files (320 px)');
    await screenshot(page, '11-mobile-320-files');
    await page.getByRole('button', { name: 'Continue' }).click();
    await until(() => heading(page).textContent()).toBe('Agree and choose a PIN');
    expect(await overflow()).toBeLessThanOrEqual(0);

    await page.goto(`${bank.url}/#/case`);
    await until(() => heading(page).textContent()).toBe('Check your case');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await context.close();
  });
});
