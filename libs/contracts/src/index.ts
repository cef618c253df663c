export * from './regions';
export * from './events';
export * from './initiative';
export * from './countries';
export * from './initiative-rules';
export * from './initiative.v1.dto';
export * from './validation';
export * from './json-schema';
