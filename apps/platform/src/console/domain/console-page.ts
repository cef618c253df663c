/*
 * How the console's own files are served: which Content-Security-Policy they carry, and how long a browser may keep
 * each. Pure, so that both are unit-tested; console/http/console-site.ts applies them.
 */

/**
 * The console's CSP: its own scripts only (no inline script, no eval), its own styles (inline style attributes too:
 * chart libraries set them), images and fonts from itself (and data: URIs), fetch() to itself and to the OpenID
 * Connect provider (discovery, token endpoint, keys), that provider in a frame (silent renewal), no plugins, no
 * framing by anyone, forms and <base> to itself only. `upgrade-insecure-requests` in production only (in development
 * the platform and the provider are plain http on loopback).
 */
export function consolePolicy(authority: string, environment: 'development' | 'production'): Record<string, string[]> {
  const provider = new URL(authority).origin;
  return {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", provider],
    'frame-src': [provider],
    'object-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'"],
    ...(environment === 'production' ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

/** A year: a file whose name carries a hash of its content never changes under that name. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Ask every time (an ETag makes it cheap): index.html names the current hashed files. */
export const REVALIDATE = 'no-cache';

/**
 * The Cache-Control of a file of the built console, by its path under the console (`assets/index-B1x2y3z4.js`): long
 * for the hashed files the build writes under assets/ (name-<hash>.<ext>, the hash 8 or more letters, digits, _ or -),
 * revalidated for everything else (index.html, a favicon).
 */
export function cacheControlOf(relativePath: string): string {
  return /^assets\/(?:[^/]+\/)*[^/]+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$/.test(relativePath) ? IMMUTABLE : REVALIDATE;
}
