import { describeInChromium, useChromium, useTestKassa } from '@kassa/testing/scenario';

/**
 * The OpenAPI page (/docs) under its Content-Security-Policy: Swagger UI still renders every
 * operation with nothing blocked, and no other site can frame it.
 */
describeInChromium('the OpenAPI page in a browser', () => {
  const chromium = useChromium();
  const kassa = useTestKassa({ apps: { watcher: false, worker: false } });

  it('renders the operations with nothing refused by its policy', async () => {
    const context = chromium.track(await chromium.browser.newContext());
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
    });

    await page.goto(`${kassa.apiUrl}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 });

    expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
    expect(await page.locator('.opblock-summary-path', { hasText: '/v1/payments' }).count()).toBeGreaterThan(0);
    expect(refused).toEqual([]);
  });

  it('cannot be framed by another site', async () => {
    const context = chromium.track(await chromium.browser.newContext());
    const page = await context.newPage();
    const framed = page.waitForResponse((response) => response.url() === `${kassa.apiUrl}/docs`);

    // setContent resolves on the page's load event, which waits for the frame to load or fail.
    await page.setContent(`<iframe src="${kassa.apiUrl}/docs" width="800" height="600"></iframe>`);

    expect((await framed).status()).toBe(200);
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    // Chromium shows its own error page in a frame the document refused.
    expect(frame?.url()).toMatch(/^chrome-error:/);
  });
});
