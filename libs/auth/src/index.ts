export * from './access';
export * from './auth-config';
export * from './auth.guard';
export * from './auth.module';
export * from './dev-issuer';
export * from './principal.decorator';
export * from './scopes';
export * from './token-verifier';
