export * from './errors';
export * from './ids';
export * from './money/amounts';
export * from './payments/payment';
export * from './payments/lifecycle';
export * from './payments/payment-object';
export * from './events/event';
export * from './merchants/api-keys';
