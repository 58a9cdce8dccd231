import { useEffect, useState } from 'react';

/** The console's pages are real addresses (`/users`, `/calls/12`) so reloads and bookmarks work. */
const listeners = new Set<(path: string) => void>();

export function navigate(path: string): void {
  if (path === window.location.pathname + window.location.search) return;
  window.history.pushState(null, '', path);
  for (const l of listeners) l(path);
}

export function usePath(): string {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    const onNav = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    listeners.add(onNav);
    return () => {
      window.removeEventListener('popstate', onPop);
      listeners.delete(onNav);
    };
  }, []);
  return path;
}
