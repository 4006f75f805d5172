import { isRouteErrorResponse, Link, useRouteError } from 'react-router';

export function NotFoundPage() {
  return (
    <div className="centered-page">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/projects">Go to your projects</Link>.
      </p>
    </div>
  );
}

/**
 * What the router shows when a page throws or its chunk fails to load (e.g. after an upgrade):
 * a plain message and a way on, never the stack trace.
 */
export function RouteError() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) return <NotFoundPage />;
  return (
    <div className="centered-page" role="alert">
      <h1>Something went wrong</h1>
      <p>
        This page could not be shown. Reloading usually helps; if not, go back to your projects.
      </p>
      <p>
        <button
          type="button"
          className="button button-primary"
          onClick={() => window.location.reload()}
        >
          Reload
        </button>{' '}
        <a href="/projects">Your projects</a>
      </p>
    </div>
  );
}
