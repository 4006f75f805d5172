import { Navigate, Outlet, useLocation } from 'react-router';
import { Loading } from '../components/States';
import { useSession } from './session';

/** Renders its children for a signed-in user, else sends them to sign in (and back afterwards). */
export function RequireSession() {
  const { user } = useSession();
  const location = useLocation();
  if (user === undefined) return <Loading />;
  if (user === null) {
    const next = location.pathname + location.search;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}

/** Superuser-only pages. */
export function RequireSuperuser() {
  const { user } = useSession();
  if (user?.role !== 'superuser') {
    return (
      <div className="state state-error" role="alert">
        <p className="state-title">Only instance administrators can see this page.</p>
      </div>
    );
  }
  return <Outlet />;
}
