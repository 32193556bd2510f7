import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Fixture } from './fixtures.js';

/** Screenshots go to docs/screenshots only when asked (UNSEEN_SCREENSHOTS=dir), so test runs leave the repo alone. */
export const screenshotDir = process.env.UNSEEN_SCREENSHOTS
  ? path.resolve(process.env.UNSEEN_SCREENSHOTS)
  : path.join(os.tmpdir(), 'unseen-web-screenshots');
mkdirSync(screenshotDir, { recursive: true });

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

export function asFilePayload(fixture: Fixture) {
  return { name: fixture.name, mimeType: fixture.mimeType, buffer: fixture.buffer };
}

/** The step heading, which also receives focus after each step change. */
export function heading(page: Page) {
  return page.locator('h1');
}

export async function answerEligibility(
  page: Page,
  answers: { over18: 'yes' | 'no'; inContent: 'yes' | 'no'; intimate: 'yes' | 'no' },
): Promise<void> {
  for (const [name, value] of Object.entries(answers)) {
    await page.locator(`input[name="${name}"][value="${value}"]`).check();
  }
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** Presses Tab until the focused element matches, failing after `limit` presses (keyboard-only navigation). */
export async function tabTo(
  page: Page,
  matches: (el: { tag: string; text: string; name: string; type: string }) => boolean,
  limit = 40,
) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const el = await page.evaluate(() => {
      const active = document.activeElement as HTMLInputElement | null;
      return {
        tag: active?.tagName.toLowerCase() ?? '',
        text: (active?.textContent ?? '').trim(),
        name: active?.getAttribute('name') ?? '',
        type: active?.getAttribute('type') ?? '',
      };
    });
    if (matches(el)) return;
  }
  throw new Error('Tab never reached the wanted element');
}

/** expect.poll with room for a loaded CI machine (Argon2 PIN checks, PGlite); UI states, never fixed sleeps. */
export function until<T>(read: () => T | Promise<T>): ReturnType<typeof expect.poll<T>> {
  return expect.poll(read, { timeout: 20_000, interval: 50 });
}
