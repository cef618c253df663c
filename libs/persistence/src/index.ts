export * from './database-url';
export * from './ensure-database';
export * from './database-roles';
export * from './data-source-options';
export * from './unit-of-work';
export * from './persistence.module';
export * from './advisory-leadership';
export * from './leader-loop';
