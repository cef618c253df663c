export * from './service-bootstrap';
export * from './service-config';
