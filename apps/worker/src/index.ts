export * from './worker.module';
export * from './jobs/expire-payments.job';
export * from './jobs/deliver-webhooks.job';
