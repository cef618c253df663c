/**
 * The console's shell: reads /console/config.json, completes or starts the OpenID Connect sign-in, then shows the
 * header (pages, the user, sign out, live status) and the page of the hash route. Signed out or expired, it shows
 * only what is needed to sign in again.
 */
import type { UserManager } from 'oidc-client-ts';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { createApi } from './api';
import {
  completeSignIn,
  isSignInCallback,
  loadConfig,
  sessionOf,
  signIn as startSignIn,
  signOut as endSession,
  userManagerFor,
  type ConsoleConfig,
  type Session,
} from './auth';
import { Ctx, type ConsoleContext } from './hooks';
import { LiveStream, type LiveStatus } from './live';
import { parseHash, type Route } from './lib/routes';
import { OperationsPage } from './pages/OperationsPage';
import { RecordPage } from './pages/RecordPage';
import { RegistryPage } from './pages/RegistryPage';
import { ReviewPage } from './pages/ReviewPage';
import { RollupsPage } from './pages/RollupsPage';

type AuthState =
  | { kind: 'starting' }
  | { kind: 'failed'; message: string }
  | { kind: 'signed-out'; reason?: 'expired' | 'signed-out' | 'error'; message?: string }
  | { kind: 'signed-in'; session: Session };

const PAGES: { page: Route['page']; href: string; label: string }[] = [
  { page: 'rollups', href: '#/rollups', label: 'Rollups' },
  { page: 'review', href: '#/review', label: 'Review queue' },
  { page: 'registry', href: '#/registry', label: 'Registry' },
  { page: 'operations', href: '#/operations', label: 'Operations' },
];

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

export function App() {
  const [config, setConfig] = useState<ConsoleConfig | undefined>(undefined);
  const [auth, setAuth] = useState<AuthState>({ kind: 'starting' });
  const um = useRef<UserManager | undefined>(undefined);

  useEffect(() => {
    void (async () => {
      let cfg: ConsoleConfig;
      try {
        cfg = await loadConfig();
      } catch (err) {
        setAuth({ kind: 'failed', message: (err as Error).message });
        return;
      }
      setConfig(cfg);
      const manager = userManagerFor(cfg);
      um.current = manager;
      if (isSignInCallback(window.location.search)) {
        try {
          const { user, hash } = await completeSignIn(manager);
          window.location.hash = hash;
          const session = sessionOf(user);
          setAuth(session ? { kind: 'signed-in', session } : { kind: 'signed-out', reason: 'expired' });
        } catch (err) {
          setAuth({ kind: 'signed-out', reason: 'error', message: (err as Error).message });
        }
        return;
      }
      const user = await manager.getUser();
      const session = sessionOf(user);
      if (session) setAuth({ kind: 'signed-in', session });
      else setAuth({ kind: 'signed-out', reason: user ? 'expired' : undefined });
    })();
  }, []);

  const signIn = useCallback(() => {
    if (!um.current) return;
    startSignIn(um.current).catch((err: unknown) =>
      setAuth({ kind: 'signed-out', reason: 'error', message: `Sign-in could not start: ${(err as Error).message}` }),
    );
  }, []);

  const expire = useCallback(() => {
    void um.current?.removeUser();
    setAuth({ kind: 'signed-out', reason: 'expired' });
  }, []);

  const signOut = useCallback(() => {
    if (!um.current) return;
    void endSession(um.current).finally(() => setAuth({ kind: 'signed-out', reason: 'signed-out' }));
  }, []);

  // The access token's expiry: then "session expired, sign in again" (no silent renew).
  const expiresAt = auth.kind === 'signed-in' ? auth.session.expiresAt : undefined;
  useEffect(() => {
    if (expiresAt === undefined) return;
    const ms = expiresAt * 1000 - Date.now();
    // setTimeout takes at most ~24.8 days; a longer token is re-checked on the next page load.
    if (ms > 2 ** 31 - 1) return;
    const timer = setTimeout(expire, Math.max(0, ms));
    return () => clearTimeout(timer);
  }, [expiresAt, expire]);

  if (auth.kind === 'starting') {
    return (
      <main id="main" class="centered">
        <h1>CTP analysts' console</h1>
        <p role="status">Starting…</p>
      </main>
    );
  }
  if (auth.kind === 'failed') {
    return (
      <main id="main" class="centered">
        <h1>CTP analysts' console</h1>
        <div class="error" role="alert">
          <p>
            <strong>The console cannot start.</strong>
          </p>
          <p>{auth.message}</p>
        </div>
      </main>
    );
  }
  if (auth.kind === 'signed-out') {
    return <SignedOut auth={auth} signIn={signIn} environment={config?.environment} />;
  }
  return (
    <SignedIn
      session={auth.session}
      signIn={signIn}
      signOut={signOut}
      expire={expire}
      environment={config?.environment}
    />
  );
}

function SignedOut({
  auth,
  signIn,
  environment,
}: {
  auth: Extract<AuthState, { kind: 'signed-out' }>;
  signIn: () => void;
  environment: string | undefined;
}) {
  useEffect(() => {
    document.title = "Sign in · CTP analysts' console";
  }, []);
  return (
    <main id="main" class="centered">
      <h1>CTP analysts' console</h1>
      {auth.reason === 'expired' && (
        <p class="notice" role="alert" data-testid="session-expired">
          Your session expired. Sign in again to continue.
        </p>
      )}
      {auth.reason === 'signed-out' && <p class="notice">You are signed out.</p>}
      {auth.reason === 'error' && (
        <div class="error" role="alert">
          <p>
            <strong>Sign-in failed.</strong>
          </p>
          <p>{auth.message}</p>
        </div>
      )}
      <p>
        The rollups, the review queue of suspected duplicates, the registry and the state of the sync, for the General
        Secretariat's analysts. Sign in with your organisation's account.
      </p>
      <p>
        <button type="button" class="primary big" onClick={signIn}>
          Sign in
        </button>
      </p>
      {environment === 'development' && (
        <p class="hint">Development: the sign-in page of the development provider lets you choose a profile.</p>
      )}
    </main>
  );
}

const LIVE_TEXT: Record<LiveStatus, string> = {
  connecting: 'connecting…',
  live: 'on',
  reconnecting: 'reconnecting…',
  stopped: 'off',
  forbidden: 'not available to your sign-in',
};

function SignedIn({
  session,
  signIn,
  signOut,
  expire,
  environment,
}: {
  session: Session;
  signIn: () => void;
  signOut: () => void;
  expire: () => void;
  environment: string | undefined;
}) {
  const route = useRoute();
  const tokenRef = useRef(session.accessToken);
  tokenRef.current = session.accessToken;
  const api = useMemo(() => createApi(() => tokenRef.current, expire), [expire]);
  const live = useMemo(() => new LiveStream(() => tokenRef.current, expire), [expire]);
  const [liveStatus, setLiveStatus] = useState<LiveStatus>(live.status);
  useEffect(() => {
    const off = live.onStatus(setLiveStatus);
    live.start();
    return () => {
      off();
      live.stop();
    };
  }, [live]);
  const ctx: ConsoleContext = useMemo(() => ({ api, live, session, signIn }), [api, live, session, signIn]);

  // A new page: focus moves to the main region so that a screen reader starts at the new heading.
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  const routeKey = route.page === 'record' ? `record/${route.id}` : route.page;
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [routeKey]);

  const current = route.page === 'record' ? 'registry' : route.page;
  return (
    <Ctx.Provider value={ctx}>
      <a
        class="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          mainRef.current?.focus();
        }}
      >
        Skip to the page's content
      </a>
      <header class="site-header">
        <div class="brand">
          <span class="brand-name">CTP analysts' console</span>
          {environment === 'development' && (
            <>
              {' '}
              <span class="env-tag">development</span>
            </>
          )}
        </div>
        <nav aria-label="Pages" class="site-nav">
          <ul>
            {PAGES.map((p) => (
              <li key={p.page}>
                <a href={p.href} aria-current={current === p.page ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="user">
          <span class="live-status" data-status={liveStatus}>
            Live updates: {LIVE_TEXT[liveStatus]}
          </span>
          <span data-testid="user">
            <strong>{session.name}</strong>
            {session.org && <span class="org"> ({session.org})</span>}
          </span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Page route={route} />
      </main>
    </Ctx.Provider>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'rollups':
      return <RollupsPage params={route.params} />;
    case 'review':
      return <ReviewPage params={route.params} />;
    case 'registry':
      return <RegistryPage params={route.params} />;
    case 'record':
      return <RecordPage key={route.id} id={route.id} />;
    case 'operations':
      return <OperationsPage />;
    case 'not-found':
      return (
        <>
          <h1>Page not found</h1>
          <p>
            There is no page <code>#/{route.path}</code>. Go to the <a href="#/rollups">rollups</a>.
          </p>
        </>
      );
  }
}
