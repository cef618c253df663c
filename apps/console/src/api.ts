/**
 * Every data call of the console: the platform's own API, with the signed-in user's access token. A 401 tells the
 * session it has ended (the page then says "session expired, sign in again"); other errors are thrown as ApiError.
 */
import { ApiError, type ApiErrorBody } from './lib/errors';

export interface ApiClient {
  json<T>(path: string, init?: { method?: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal }): Promise<T>;
  /** A download: the body as a Blob, asked for with `accept`. */
  blob(path: string, accept: string, signal?: AbortSignal): Promise<Blob>;
}

export function createApi(accessToken: () => string | undefined, onUnauthorized: () => void): ApiClient {
  async function call(path: string, init: RequestInit, accept: string): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Accept', accept);
    const token = accessToken();
    if (token) headers.set('Authorization', `Bearer ${token}`);
    const res = await fetch(path, { ...init, headers, cache: 'no-store', credentials: 'omit' });
    if (res.ok) return res;
    let body: ApiErrorBody | undefined;
    try {
      body = (await res.json()) as ApiErrorBody;
    } catch {
      body = undefined;
    }
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, body, path);
  }

  return {
    async json<T>(path: string, init: { method?: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal } = {}) {
      const req: RequestInit = { method: init.method ?? 'GET', signal: init.signal };
      if (init.body !== undefined) {
        req.body = JSON.stringify(init.body);
        req.headers = { 'Content-Type': 'application/json' };
      }
      const res = await call(path, req, 'application/json');
      return (await res.json()) as T;
    },
    async blob(path: string, accept: string, signal?: AbortSignal) {
      const res = await call(path, { method: 'GET', signal }, accept);
      return res.blob();
    },
  };
}

/** Saves a Blob as a file (the download carried the bearer token, so a plain link could not fetch it). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
