export * from './correlation';
export * from './logger';
export * from './metrics';
export * from './health';
export * from './tokens';
export * from './observability.module';
export * from './http-errors';
export * from './env';
