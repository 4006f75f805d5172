// The project a page under /projects/:projectId works in, loaded once by ProjectLayout and shared
// with every screen below it (settings, and F2's workflows/history/runs) via `useCurrentProject()`.
import { createContext, useContext } from 'react';
import type { Project } from '../api/types';

export interface CurrentProject {
  project: Project;
  /** Reload after changing the project (name, settings). */
  reload: () => void;
}

export const CurrentProjectContext = createContext<CurrentProject | null>(null);

export function useCurrentProject(): CurrentProject {
  const current = useContext(CurrentProjectContext);
  if (!current) throw new Error('useCurrentProject outside a /projects/:projectId route');
  return current;
}
