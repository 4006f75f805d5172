// The route table of the whole app — one list, appended to by each screen's owner. Every page is a
// lazy chunk (`page(() => import(...), 'ExportName')`) so the first load carries only the shell;
// the workflow editor in particular must stay out of the first load.
//
// Layout: public pages (sign-in, sign-up, links from emails) sit at the top level; everything else
// is inside RequireSession + AppLayout. Pages of one project sit under /projects/:projectId, where
// `useCurrentProject()` gives the loaded project (with the caller's `role`).
import type { ComponentType } from 'react';
import { Navigate, type RouteObject } from 'react-router';
import { RequireSession, RequireSuperuser } from './auth/RequireSession';
import { AppLayout } from './components/Layout';
import { NotFoundPage, RouteError } from './components/NotFound';
import { Loading } from './components/States';
import { ProjectLayout } from './projects/ProjectLayout';

/** A lazily loaded page: `page(() => import('./x/Page'), 'Page')`. */
function page<M extends Record<string, unknown>>(
  load: () => Promise<M>,
  name: keyof M & string,
): Pick<RouteObject, 'lazy'> {
  return {
    lazy: async () => ({ Component: (await load())[name] as ComponentType }),
  };
}

/** Pages that need no session. */
const publicRoutes: RouteObject[] = [
  { path: 'sign-in', ...page(() => import('./auth/SignInPage'), 'SignInPage') },
  { path: 'sign-up', ...page(() => import('./auth/SignUpPage'), 'SignUpPage') },
  {
    path: 'users/reset_password',
    ...page(() => import('./auth/ResetPasswordPage'), 'RequestResetPage'),
  },
  {
    path: 'users/reset_password/:token',
    ...page(() => import('./auth/ResetPasswordPage'), 'ResetPasswordPage'),
  },
  {
    path: 'users/confirm/:token',
    ...page(() => import('./auth/ConfirmPage'), 'ConfirmAccountPage'),
  },
  {
    path: 'users/confirm_email/:token',
    ...page(() => import('./auth/ConfirmPage'), 'ConfirmEmailChangePage'),
  },
];

/** Pages inside one project (/projects/:projectId/...). */
const projectRoutes: RouteObject[] = [
  { index: true, element: <Navigate to="workflows" replace /> },
  {
    path: 'settings',
    ...page(() => import('./projects/settings/SettingsLayout'), 'SettingsLayout'),
    children: [
      { index: true, element: <Navigate to="general" replace /> },
      {
        path: 'general',
        ...page(() => import('./projects/settings/GeneralSettings'), 'GeneralSettings'),
      },
      {
        path: 'members',
        ...page(() => import('./projects/settings/MembersSettings'), 'MembersSettings'),
      },
      {
        path: 'webhooks',
        ...page(() => import('./projects/settings/WebhookAuthSettings'), 'WebhookAuthSettings'),
      },
      {
        path: 'data',
        ...page(() => import('./projects/settings/DataSettings'), 'DataSettings'),
      },
      {
        path: 'notifications',
        ...page(() => import('./projects/settings/NotificationSettings'), 'NotificationSettings'),
      },
      {
        path: 'credentials',
        ...page(() => import('./projects/settings/CredentialsSettings'), 'CredentialsSettings'),
      },
      {
        path: 'github',
        ...page(() => import('./projects/settings/GitHubSettings'), 'GitHubSettings'),
      },
      {
        path: 'audit',
        ...page(() => import('./projects/settings/AuditSettings'), 'AuditSettings'),
      },
    ],
  },
  // ── F2: workflows, editor, history, run inspector (src/editor, src/history, src/runs) ──────
  { path: 'workflows', ...page(() => import('./editor/WorkflowsPage'), 'WorkflowsPage') },
  {
    path: 'workflows/:workflowId',
    ...page(() => import('./editor/WorkflowEditorPage'), 'WorkflowEditorPage'),
  },
  { path: 'history', ...page(() => import('./history/HistoryPage'), 'HistoryPage') },
  { path: 'runs/:runId', ...page(() => import('./runs/RunPage'), 'RunPage') },
];

/** Signed-in pages outside a project. */
const appRoutes: RouteObject[] = [
  { index: true, element: <Navigate to="/projects" replace /> },
  { path: 'projects', ...page(() => import('./projects/ProjectsPage'), 'ProjectsPage') },
  { path: 'projects/:projectId', element: <ProjectLayout />, children: projectRoutes },
  { path: 'account', ...page(() => import('./account/AccountPage'), 'AccountPage') },
  {
    path: 'admin',
    element: <RequireSuperuser />,
    children: [
      {
        ...page(() => import('./admin/AdminLayout'), 'AdminLayout'),
        children: [
          { index: true, element: <Navigate to="users" replace /> },
          { path: 'users', ...page(() => import('./admin/AdminUsersPage'), 'AdminUsersPage') },
          {
            path: 'projects',
            ...page(() => import('./admin/AdminProjectsPage'), 'AdminProjectsPage'),
          },
          { path: 'audit', ...page(() => import('./admin/AdminAuditPage'), 'AdminAuditPage') },
          { path: 'mailbox', ...page(() => import('./admin/MailboxPage'), 'MailboxPage') },
          {
            path: 'mailbox/:mailId',
            ...page(() => import('./admin/MailboxPage'), 'MailPage'),
          },
        ],
      },
    ],
  },
];

export const routes: RouteObject[] = [
  {
    path: '/',
    errorElement: <RouteError />,
    hydrateFallbackElement: <Loading />,
    children: [
      ...publicRoutes,
      {
        element: <RequireSession />,
        children: [
          {
            element: <AppLayout />,
            // A page that fails shows its error inside the frame, so the way on stays visible.
            children: [{ errorElement: <RouteError />, children: appRoutes }],
          },
        ],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
