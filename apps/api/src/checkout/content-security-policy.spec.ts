import { checkoutPolicy, pageHeaders, validOrigins } from './content-security-policy';

const directive = (policy: string, name: string) => policy.split('; ').find((part) => part.startsWith(`${name} `));

describe('the checkout page\'s security headers', () => {
  it('loads scripts, styles and data from the Kassa server only', () => {
    const policy = checkoutPolicy([]);
    expect(directive(policy, 'default-src')).toBe("default-src 'none'");
    expect(directive(policy, 'script-src')).toBe("script-src 'self'");
    expect(directive(policy, 'style-src')).toBe("style-src 'self'");
    expect(directive(policy, 'connect-src')).toBe("connect-src 'self'");
  });

  it('refuses every frame outside embed mode, even when the merchant allows origins', () => {
    const headers = pageHeaders(['https://shop.example'], false);
    expect(directive(headers['content-security-policy']!, 'frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(headers['x-frame-options']).toBe('DENY');
  });

  it('lets only the merchant\'s allowed origins frame the page in embed mode', () => {
    const headers = pageHeaders(['https://shop.example', 'http://127.0.0.1:8080'], true);
    expect(directive(headers['content-security-policy']!, 'frame-ancestors')).toBe('frame-ancestors https://shop.example http://127.0.0.1:8080');
    expect(headers['x-frame-options']).toBeUndefined();
  });

  it('refuses frames in embed mode when the merchant allows no origin', () => {
    expect(directive(pageHeaders([], true)['content-security-policy']!, 'frame-ancestors')).toBe("frame-ancestors 'none'");
  });

  it('drops stored origins that are not plain origins, so none can add a directive', () => {
    expect(validOrigins(['https://shop.example', "https://a.example; script-src 'unsafe-inline'", 'https://b.example/path', '*', 'ftp://c.example', 'HTTPS://D.EXAMPLE', 'https://shop.example;sandbox', 'https://*']))
      .toEqual(['https://shop.example']);
  });
});
