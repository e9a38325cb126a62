export * from './chain-config';
export * from './config';
export * from './config.module';
export * from './secret';
export * from './networks';
