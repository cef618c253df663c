export * from './regions';
export * from './events';
export * from './initiative';
