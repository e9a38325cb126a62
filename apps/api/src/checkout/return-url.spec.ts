import { returnUrlOf } from './return-url';

const payment = {
  id: 'pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC',
  orderId: '1001',
  successUrl: 'https://shop.example/thanks?lang=de#top',
  cancelUrl: 'https://shop.example/cart',
};

describe('where the checkout returns the customer to', () => {
  it('sends a paid customer to the success URL with payment_id and order_id, keeping its own query and fragment', () => {
    const url = new URL(returnUrlOf({ ...payment, status: 'PAID' })!);
    expect(url.origin + url.pathname).toBe('https://shop.example/thanks');
    expect(url.searchParams.get('lang')).toBe('de');
    expect(url.searchParams.get('payment_id')).toBe(payment.id);
    expect(url.searchParams.get('order_id')).toBe('1001');
    expect(url.hash).toBe('#top');
  });

  it.each(['TIMEOUT', 'CANCELED'] as const)('sends the customer of a %s payment to the cancel URL', (status) => {
    expect(returnUrlOf({ ...payment, status })).toBe(`https://shop.example/cart?payment_id=${payment.id}&order_id=1001`);
  });

  it('encodes an order id with reserved characters and replaces a payment_id the merchant put in the URL', () => {
    const url = new URL(returnUrlOf({ ...payment, status: 'PAID', orderId: 'A&B=1 2', successUrl: 'https://shop.example/ok?payment_id=forged' })!);
    expect(url.searchParams.getAll('payment_id')).toEqual([payment.id]);
    expect(url.searchParams.get('order_id')).toBe('A&B=1 2');
  });

  it('leaves out order_id when the payment has none', () => {
    expect(returnUrlOf({ ...payment, status: 'PAID', orderId: null })).toBe(`https://shop.example/thanks?lang=de&payment_id=${payment.id}#top`);
  });

  it('has no return URL while the payment is open, or when the merchant gave none', () => {
    expect(returnUrlOf({ ...payment, status: 'CREATED' })).toBeNull();
    expect(returnUrlOf({ ...payment, status: 'PENDING' })).toBeNull();
    expect(returnUrlOf({ ...payment, status: 'PAID', successUrl: null })).toBeNull();
    expect(returnUrlOf({ ...payment, status: 'TIMEOUT', cancelUrl: null })).toBeNull();
  });

  it('never sends the customer to a URL that is not http(s)', () => {
    expect(returnUrlOf({ ...payment, status: 'PAID', successUrl: 'javascript:alert(1)' })).toBeNull();
    expect(returnUrlOf({ ...payment, status: 'PAID', successUrl: 'not a url' })).toBeNull();
  });
});
