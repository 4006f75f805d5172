/**
 * Where to go after signing in: the `?next=` path when it is a path of this site, else the projects
 * list. Anything else (`//evil.example`, `https://…`, `javascript:`) would be an open redirect.
 */
export function safeNext(next: string | null): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/projects';
  return next;
}
