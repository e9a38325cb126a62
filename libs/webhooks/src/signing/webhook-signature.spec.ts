import { createHmac } from 'node:crypto';

import { Webhook, WebhookVerificationError } from 'standardwebhooks';

import { generateWebhookSecret, isWebhookSecret, signWebhook } from './webhook-signature';

const body = JSON.stringify({ id: 'evt_01JD0000000000000000000000', type: 'payment.paid', data: { amount: '25.50' } });

describe('Standard Webhooks signing', () => {
  it('generates whsec_ secrets with 32 random bytes, different every time', () => {
    const first = generateWebhookSecret();
    const second = generateWebhookSecret();
    expect(first).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(first.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(first).not.toBe(second);
    expect(isWebhookSecret(first)).toBe(true);
  });

  it('recognises secrets the specification allows and nothing else', () => {
    expect(isWebhookSecret(`whsec_${Buffer.alloc(24, 1).toString('base64')}`)).toBe(true);
    expect(isWebhookSecret(`whsec_${Buffer.alloc(16, 1).toString('base64')}`)).toBe(false);
    expect(isWebhookSecret(Buffer.alloc(32, 1).toString('base64'))).toBe(false);
    expect(isWebhookSecret('whsec_not base64!')).toBe(false);
  });

  it('produces headers that a merchant verifying with the standardwebhooks library accepts', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({ id: 'evt_01JD0000000000000000000000', timestamp: new Date(), body }, [secret]);

    expect(headers['webhook-id']).toBe('evt_01JD0000000000000000000000');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs "id.timestamp.body" with HMAC-SHA256 keyed by the decoded secret, timestamp in whole seconds', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const headers = signWebhook({ id: 'evt_1', timestamp: new Date(1_700_000_000_999), body }, [secret]);

    const expected = createHmac('sha256', Buffer.alloc(32, 7)).update(`evt_1.1700000000.${body}`).digest('base64');
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('carries one signature per secret during a rotation, and each secret verifies on its own', () => {
    const current = generateWebhookSecret();
    const previous = generateWebhookSecret();
    const headers = signWebhook({ id: 'evt_2', timestamp: new Date(), body }, [current, previous]);

    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(previous).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow(WebhookVerificationError);
  });

  it('fails verification when a single byte of the body changes', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({ id: 'evt_3', timestamp: new Date(), body }, [secret]);
    expect(() => new Webhook(secret).verify(body.replace('25.50', '25.51'), { ...headers })).toThrow(WebhookVerificationError);
  });

  it('refuses to sign without a secret', () => {
    expect(() => signWebhook({ id: 'evt_4', timestamp: new Date(), body }, [])).toThrow(/at least one secret/);
  });
});
