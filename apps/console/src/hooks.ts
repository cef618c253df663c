/** The console's shared state (session, API client, live stream) and the hooks the pages read data with. */
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from './api';
import type { Session } from './auth';
import type { LiveEventName, LiveStream } from './live';

export interface ConsoleContext {
  api: ApiClient;
  live: LiveStream;
  session: Session;
  signIn: () => void;
}

export const Ctx = createContext<ConsoleContext | undefined>(undefined);

export function useConsole(): ConsoleContext {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('useConsole outside the signed-in console');
  return ctx;
}

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  /** True while the first answer (or the answer for a new key) is awaited. */
  loading: boolean;
  /** True while a re-fetch of the same key runs (the data shown stays until it answers). */
  refreshing: boolean;
  reload: () => void;
}

/**
 * Fetches `load()` whenever `key` changes, and again on reload(). A new key clears the data; a reload keeps it on
 * screen until the new answer (no flicker on live updates). An answer overtaken by a newer request is dropped.
 */
export function useResource<T>(key: string | undefined, load: (signal: AbortSignal) => Promise<T>): Resource<T> {
  const [state, setState] = useState<{
    key?: string;
    data?: T;
    error?: unknown;
    loading: boolean;
    refreshing: boolean;
  }>({ loading: key !== undefined, refreshing: false });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const lastKey = useRef<string | undefined>(undefined);

  useEffect(() => {
    if (key === undefined) return;
    const controller = new AbortController();
    const sameKey = lastKey.current === key;
    lastKey.current = key;
    setState((s) =>
      sameKey
        ? { ...s, refreshing: true }
        : { key, data: undefined, error: undefined, loading: true, refreshing: false },
    );
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ key, data, error: undefined, loading: false, refreshing: false });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState((s) => ({ key, data: sameKey ? s.data : undefined, error, loading: false, refreshing: false }));
      },
    );
    return () => controller.abort();
  }, [key, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, refreshing: state.refreshing, reload };
}

/** Calls `fn` on each of these live events (and on `resync`, after the stream reconnected). */
export function useLive(events: LiveEventName[], fn: () => void): void {
  const { live } = useConsole();
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const names = events.join(',');
  useEffect(() => {
    const offs = [...names.split(','), 'resync'].map((e) => live.on(e as LiveEventName, () => fnRef.current()));
    return () => offs.forEach((off) => off());
  }, [live, names]);
}

/** Sets the document's title for the page shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · CTP analysts' console`;
  }, [title]);
}
