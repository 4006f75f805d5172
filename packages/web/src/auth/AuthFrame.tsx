import type { ReactNode } from 'react';
import { useDocumentTitle } from '../components/Layout';

/** The centered card the signed-out pages share. */
export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  useDocumentTitle(title);
  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <p className="brand auth-brand">
          <span aria-hidden="true">⚡</span> Lightning
        </p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
