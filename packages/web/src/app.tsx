import { TokensPage } from './auth/tokens-page.js';
import { AppHeader } from './layout/app-header.js';
import { ProjectPage } from './project/project-page.js';
import { ProjectsPage } from './projects/projects-page.js';
import { linkProps, parseRoute, usePath } from './router.js';
import { AuthGate } from './session/auth-gate.js';
import { ToastProvider } from './ui/toasts.js';

function Pages() {
  const route = parseRoute(usePath());
  switch (route.page) {
    case 'projects':
      return <ProjectsPage />;
    case 'project':
      return <ProjectPage key={route.projectId} projectId={route.projectId} />;
    case 'tokens':
      return <TokensPage />;
    case 'not-found':
      return (
        <>
          <AppHeader />
          <main className="page">
            <h1>Page not found</h1>
            <p>
              There is nothing at <code>{route.path}</code>. <a {...linkProps('/')}>Go to the projects</a>.
            </p>
          </main>
        </>
      );
  }
}

/** The web UI: notifications, then sign-in (when accounts are on), then the pages. */
export function App() {
  return (
    <ToastProvider>
      <AuthGate>
        <Pages />
      </AuthGate>
    </ToastProvider>
  );
}
