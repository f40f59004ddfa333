import type { ReactNode } from 'react';
import { AccountMenu } from '../auth/account-menu.js';
import { linkProps } from '../router.js';

/** The bar at the top of every page: the name of the app (home), the page's own items, the account. */
export function AppHeader({ children }: { children?: ReactNode }) {
  return (
    <header className="app-header">
      <a className="brand" {...linkProps('/')}>
        <img src="/favicon.svg" alt="" width={22} height={22} />
        <span className="brand__name">Talus Tally</span>
      </a>
      <div className="app-header__middle">{children}</div>
      <div className="app-header__end">
        <AccountMenu />
      </div>
    </header>
  );
}
