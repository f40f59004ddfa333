import { type MouseEvent, useEffect, useSyncExternalStore } from 'react';

/** The pages of the UI, parsed from the path (the server answers index.html for every page path). */
export type Route =
  | { page: 'projects' }
  | { page: 'project'; projectId: string }
  | { page: 'tokens' }
  | { page: 'not-found'; path: string };

export function parseRoute(path: string): Route {
  if (path === '/' || path === '') return { page: 'projects' };
  const project = /^\/projects\/([^/]+)\/?$/.exec(path);
  if (project?.[1]) return { page: 'project', projectId: decodeURIComponent(project[1]) };
  if (path === '/account/tokens') return { page: 'tokens' };
  return { page: 'not-found', path };
}

export const projectPath = (projectId: string) => `/projects/${encodeURIComponent(projectId)}`;

const listeners = new Set<() => void>();
const notify = () => {
  for (const fn of listeners) fn();
};

function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  window.addEventListener('popstate', fn);
  return () => {
    listeners.delete(fn);
    window.removeEventListener('popstate', fn);
  };
}

/** Go to a page of the UI without reloading it. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === window.location.pathname) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  notify();
}

/** The current path; re-renders on navigation and on the browser's back and forward. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** Set the document title while a page is shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Talus Tally` : 'Talus Tally';
  }, [title]);
}

/** Props of an in-app link: a real `href` (open in a new tab works) that navigates without a reload. */
export function linkProps(path: string) {
  return {
    href: path,
    onClick(e: MouseEvent<HTMLAnchorElement>) {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      navigate(path);
    },
  };
}
