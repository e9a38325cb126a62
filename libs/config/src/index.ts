export * from './chain-config';
export * from './config';
export * from './config.module';
