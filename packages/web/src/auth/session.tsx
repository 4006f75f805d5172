// Who is signed in, and what the instance allows (sign-up, mail). Loaded once at start; screens call
// `refresh()` after signing in/out or changing the profile.
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';
import { ApiError, api } from '../api/client';
import type { Data, Instance, User } from '../api/types';

export interface Session {
  /** undefined while loading, null when signed out. */
  user: User | null | undefined;
  instance: Instance | null;
  refresh: () => Promise<User | null>;
  /** Reload the instance facts (after the first user signed up, `has_users` changed). */
  refreshInstance: () => Promise<Instance | null>;
  setUser: (user: User | null) => void;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

async function fetchMe(): Promise<User | null> {
  try {
    const body = await api<Data<User>>('/api/me', { allowUnauthorized: true });
    return body.data;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 404)) return null;
    throw error;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [instance, setInstance] = useState<Instance | null>(null);

  const refresh = useCallback(async () => {
    const me = await fetchMe().catch(() => null);
    setUser(me);
    return me;
  }, []);

  const refreshInstance = useCallback(
    () =>
      api<Data<Instance>>('/api/instance', { allowUnauthorized: true })
        .then((body) => body.data)
        .catch(() => null)
        .then((fresh) => {
          setInstance(fresh);
          return fresh;
        }),
    [],
  );

  useEffect(() => {
    void refresh();
    void refreshInstance();
  }, [refresh, refreshInstance]);

  const signOut = useCallback(async () => {
    await api('/api/session', { method: 'DELETE', allowUnauthorized: true }).catch(() => undefined);
    // The sign-in page decides from `has_users` whether to offer sign-in at all: refresh it first.
    await refreshInstance();
    setUser(null);
  }, [refreshInstance]);

  const value = useMemo(
    () => ({ user, instance, refresh, refreshInstance, setUser, signOut }),
    [user, instance, refresh, refreshInstance, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
