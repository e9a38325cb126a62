import { isTolerancePercent, isWebOrigin } from './merchant-settings';
import { scopesBeyond } from './api-keys';

describe('merchant settings rules', () => {
  it.each(['0', '0.5', '2.25', '99.99', '10'])('accepts the tolerance %s', (value) => {
    expect(isTolerancePercent(value)).toBe(true);
  });

  it.each(['100', '0.125', '-1', '', '1e1', ' 1', '1.', 0.5, null])('refuses the tolerance %p', (value) => {
    expect(isTolerancePercent(value)).toBe(false);
  });

  it.each([
    'https://shop.example',
    'http://localhost:8080',
    'https://shop.example:8443',
    'https://xn--bcher-kva.example',
    'http://127.0.0.1:3000',
    'http://[::1]:8080',
    'https://a-b.c-d.example',
  ])('accepts the origin %s', (value) => {
    expect(isWebOrigin(value)).toBe(true);
  });

  it.each([
    'https://shop.example/',
    'https://shop.example/checkout',
    'https://Shop.example',
    'https://shop.example:443',
    'ftp://shop.example',
    'https://user@shop.example',
    'shop.example',
    'https://shop.example?x=1',
  ])('refuses %s, which is not an origin as browsers send it', (value) => {
    expect(isWebOrigin(value)).toBe(false);
  });

  // The URL parser accepts these hosts; a CSP source list would read a wildcard or a new directive.
  it.each([
    'https://*',
    'https://*.example',
    'https://shop.example;sandbox',
    'https://shop.example,evil.example',
    'https://a!b.example',
    'https://a$b.example',
    'https://a&b.example',
    'https://a(b).example',
    'https://a+b.example',
    'https://a=b.example',
    "https://a'b.example",
    'https://a_b.example',
    'https://-shop.example',
    'https://shop-.example',
    'https://shop..example',
    `https://${'a'.repeat(64)}.example`,
  ])('refuses %s, whose host is not a host name', (value) => {
    expect(isWebOrigin(value)).toBe(false);
  });

  it('lets a key give only the scopes it holds', () => {
    expect(scopesBeyond(['read', 'write'], ['read'])).toEqual([]);
    expect(scopesBeyond(['write'], ['read', 'write'])).toEqual(['read']);
    expect(scopesBeyond(['read'], ['write'])).toEqual(['write']);
  });
});
