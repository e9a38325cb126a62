export * from './worker.module';
export * from './jobs/expire-payments.job';
export * from './jobs/deliver-webhooks.job';
export * from './jobs/settle-payments.job';
export * from './settlement/settlement.module';
export * from './settlement/settlement-broadcaster';
export * from './settlement/settlement-lanes';
export * from './balances/deposit-balances';
