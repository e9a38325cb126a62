export * from './api.module';
export * from './bootstrap';
export * from './health/chain-health';
export * from './events/redeliver-event.use-case';
export * from './merchant/update-merchant-settings.use-case';
export * from './webhook-endpoints/create-webhook-endpoint.use-case';
export * from './merchant/create-merchant';
export * from './payments/create-payment.use-case';
