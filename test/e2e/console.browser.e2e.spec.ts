import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { loadStackConfig, serviceNames } from '../../infra/src/config/stack.config';
import { anOrderRequest, orderRequest, postOrder } from '../support/orders.client';
import { waitUntil } from '../support/wait-until';

/**
 * The live console in a real browser — Debian's Chromium, headless, driven by
 * playwright-core — as an operator uses it: the services are listed running,
 * and an order placed now is searched for and its saga read off the page.
 * The full-page screenshot is kept in test-results/console.png.
 */
const config = loadStackConfig();
const CHROMIUM = '/usr/bin/chromium';
const screenshot = path.join(config.repoRoot, 'test-results', 'console.png');

const emailsOf = async (orderId: string) => {
  const response = await fetch(`${config.services.email.url}/emails?orderId=${orderId}`);
  return ((await response.json()) as { emails: unknown[] }).emails;
};

describe('the live console', () => {
  let browser: Browser;

  beforeAll(async () => {
    // Part of every `stack up`: a stack without it is a failure here, not a skip.
    const health = await fetch(`${config.console.url}/api/health`, { signal: AbortSignal.timeout(5_000) }).catch(
      (error: unknown) => {
        throw new Error(
          `the console does not answer at ${config.console.url} (\`npm run stack -- status\`, \`npm run stack -- logs console\`): ${String(error)}`,
        );
      },
    );
    expect(health.status).toBe(200);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('lists the services running and shows the timeline of an order searched for: placed, paid, confirmed, two emails', async () => {
    const placed = await postOrder(anOrderRequest({ customerEmail: 'console@example.com' }));
    expect(placed.status).toBe(201);
    const orderId = placed.body.id;
    await waitUntil(
      'order confirmed and both emails sent',
      async () => {
        const order = (await orderRequest('GET', `/orders/${orderId}`)).body;
        return order.status === 'CONFIRMED' && (await emailsOf(orderId)).length === 2;
      },
      60_000,
    );

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(config.console.url);

    for (const name of serviceNames) {
      await page.locator(`#services tr[data-component="${name}"] [data-state="running"]`).waitFor({ timeout: 15_000 });
    }
    await page.locator('#health[data-healthy="true"]').waitFor({ timeout: 15_000 });

    await page.fill('#order-search', orderId);
    await page.click('#order-form button[type="submit"]');
    // The timeline refreshes on its own: the last EmailSent may still be on its way to the topic.
    await page.locator('#timeline [data-step][data-type="EmailSent"]').nth(1).waitFor({ timeout: 30_000 });

    const steps = await page.locator('#timeline [data-step]').all();
    const types = await Promise.all(steps.map((s) => s.getAttribute('data-type')));
    // In the order they happened; an email may be sent before or after the next step of the saga.
    expect([...types].sort()).toEqual(['EmailSent', 'EmailSent', 'OrderConfirmed', 'OrderPlaced', 'PaymentAuthorized']);
    expect(types[0]).toBe('OrderPlaced');
    expect(types.indexOf('PaymentAuthorized')).toBeLessThan(types.indexOf('OrderConfirmed'));
    // What a person reads, not only the attributes.
    const texts = await Promise.all(steps.map((s) => s.innerText()));
    texts.forEach((text, i) => expect(text).toContain(types[i]!));
    expect(await page.locator('#timeline-summary').innerText()).toContain(`${orderId}: 5 events`);

    mkdirSync(path.dirname(screenshot), { recursive: true });
    rmSync(screenshot, { force: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(20_000);
    expect(pageErrors).toEqual([]);
  });
});
