import type { LookupAddress, LookupOptions } from 'node:dns';

import { ValidationError } from '@kassa/domain';

import {
  assertWebhookUrlAllowed,
  assertWebhookUrlResolvesPublic,
  createGuardedLookup,
  isPublicAddress,
  PrivateAddressError,
  type ResolveHost,
} from './webhook-url.policy';

const strict = { allowPrivate: false };
const permissive = { allowPrivate: true };

function refusal(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

/** A resolver answering from a fixed table, as DNS would. */
function fakeDns(table: Record<string, string[]>): ResolveHost {
  return async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

function lookupOnce(lookup: ReturnType<typeof createGuardedLookup>, hostname: string, options: LookupOptions) {
  return new Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>((resolve) =>
    lookup(hostname, options, (error, address, family) => resolve({ error, address, family })),
  );
}

describe('webhook URL policy', () => {
  it('accepts public http and https URLs with ports, paths and queries', () => {
    expect(assertWebhookUrlAllowed('https://shop.example.com/hooks/kassa?x=1', strict).hostname).toBe('shop.example.com');
    expect(() => assertWebhookUrlAllowed('http://93.184.215.14:8080/webhook', strict)).not.toThrow();
    expect(() => assertWebhookUrlAllowed('https://[2606:4700:4700::1111]/webhook', strict)).not.toThrow();
  });

  it.each([
    ['not a URL', 'shop.example.com/hooks', 'must be an absolute http or https URL'],
    ['another scheme', 'ftp://shop.example.com/hooks', 'must use http or https'],
    ['a javascript URL', 'javascript:alert(1)', 'must use http or https'],
    ['credentials', 'https://user:pass@shop.example.com/hooks', 'must not contain a user name or password'],
    ['a user name only', 'https://user@shop.example.com/hooks', 'must not contain a user name or password'],
  ])('refuses %s, naming the field url', (_case, url, message) => {
    const error = refusal(() => assertWebhookUrlAllowed(url, permissive));
    expect(error.errors).toEqual([{ field: 'url', message }]);
  });

  it('refuses a URL longer than 2048 characters', () => {
    expect(refusal(() => assertWebhookUrlAllowed(`https://shop.example.com/${'a'.repeat(2048)}`, strict)).errors[0]!.field).toBe('url');
  });

  it.each([
    'http://127.0.0.1/hook',
    'http://127.1.2.3:3000/hook',
    'http://2130706433/hook', // 127.0.0.1 as one decimal number
    'http://0x7f.1/hook', // 127.0.0.1 in hex shorthand
    'http://0.0.0.0/hook',
    'http://10.1.2.3/hook',
    'http://172.16.0.1/hook',
    'http://172.31.255.255/hook',
    'http://192.168.1.10/hook',
    'http://169.254.169.254/latest/meta-data', // cloud metadata service
    'http://100.64.0.1/hook',
    'http://[::1]/hook',
    'http://[::]/hook',
    'http://[fe80::1]/hook',
    'http://[fc00::1]/hook',
    'http://[fd12:3456::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::ffff:10.0.0.1]/hook',
    'http://[64:ff9b::a00:1]/hook',
    'http://localhost/hook',
    'http://LOCALHOST./hook',
    'http://api.localhost:8080/hook',
  ])('refuses the non-public target %s unless private URLs are allowed', (url) => {
    expect(refusal(() => assertWebhookUrlAllowed(url, strict)).errors[0]!.field).toBe('url');
    expect(() => assertWebhookUrlAllowed(url, permissive)).not.toThrow();
  });

  it('classifies addresses: public unicast only', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect({ address, public: isPublicAddress(address) }).toEqual({ address, public: true });
    }
    for (const address of ['127.0.0.1', '10.0.0.1', '192.168.0.1', '172.20.0.1', '169.254.1.1', '224.0.0.1', '255.255.255.255',
      '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '2001:db8::1', '::7f00:1', 'not-an-ip']) {
      expect({ address, public: isPublicAddress(address) }).toEqual({ address, public: false });
    }
  });

  describe('names that resolve to private addresses', () => {
    const dns = fakeDns({
      'shop.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
      'internal.example.com': ['10.0.0.5'],
      'mixed.example.com': ['93.184.215.14', '127.0.0.1'],
      'v6-loopback.example.com': ['::1'],
    });

    it('accepts a name whose addresses are all public', async () => {
      await expect(assertWebhookUrlResolvesPublic('https://shop.example.com/h', strict, dns)).resolves.toBeInstanceOf(URL);
    });

    it.each(['internal.example.com', 'mixed.example.com', 'v6-loopback.example.com'])('refuses %s', async (host) => {
      await expect(assertWebhookUrlResolvesPublic(`https://${host}/h`, strict, dns)).rejects.toThrow(ValidationError);
    });

    it('refuses a name that does not resolve', async () => {
      await expect(assertWebhookUrlResolvesPublic('https://nowhere.example.com/h', strict, dns)).rejects.toThrow(/does not resolve/);
    });

    it('does not resolve at all when private URLs are allowed', async () => {
      const resolve = jest.fn(dns);
      await expect(assertWebhookUrlResolvesPublic('https://internal.example.com/h', permissive, resolve)).resolves.toBeInstanceOf(URL);
      expect(resolve).not.toHaveBeenCalled();
    });
  });

  describe('guarded lookup used for every delivery connection (DNS rebinding)', () => {
    let answer = ['93.184.215.14'];
    const lookup = createGuardedLookup(async () => answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

    it('hands the connection the checked addresses, in the form net.connect asked for', async () => {
      answer = ['93.184.215.14', '2606:4700:4700::1111'];
      expect(await lookupOnce(lookup, 'shop.example.com', { all: true })).toEqual({
        error: null,
        address: [
          { address: '93.184.215.14', family: 4 },
          { address: '2606:4700:4700::1111', family: 6 },
        ],
        family: undefined,
      });
      expect(await lookupOnce(lookup, 'shop.example.com', { family: 6 })).toEqual({
        error: null,
        address: '2606:4700:4700::1111',
        family: 6,
      });
    });

    it('fails the connection when the same name later resolves to a private address', async () => {
      answer = ['93.184.215.14'];
      expect((await lookupOnce(lookup, 'rebind.example.com', { all: true })).error).toBeNull();
      answer = ['169.254.169.254'];
      const { error } = await lookupOnce(lookup, 'rebind.example.com', { all: true });
      expect(error).toBeInstanceOf(PrivateAddressError);
      expect(error?.message).toContain('169.254.169.254');
    });
  });
});
