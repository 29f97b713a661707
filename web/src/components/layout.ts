/** The frame of every page after login: a skip link, the banner with the navigation and the user, the main region. */
import type { ComponentChildren, VNode } from 'preact';
import { useApp } from '../app.js';
import { html } from '../html.js';
import { can, type Capability } from '../lib/roles.js';
import type { Route } from '../lib/routes.js';

const NAV: { path: string; page: Route['page']; key: 'nav.overview' | 'nav.content' | 'nav.commands' | 'nav.reports' | 'nav.users' | 'nav.releases' | 'nav.activities' | 'nav.reviews' | 'nav.rewards'; need: Capability }[] = [
  { path: '/', page: 'overview', key: 'nav.overview', need: 'units' },
  { path: '/noi-dung', page: 'content', key: 'nav.content', need: 'content' },
  { path: '/lenh', page: 'commands', key: 'nav.commands', need: 'units' },
  { path: '/bao-cao', page: 'reports', key: 'nav.reports', need: 'reports' },
  { path: '/hoat-dong', page: 'activities', key: 'nav.activities', need: 'activities' },
  { path: '/so-ket', page: 'reviews', key: 'nav.reviews', need: 'reviews' },
  { path: '/khen-thuong', page: 'rewards', key: 'nav.rewards', need: 'reviews' },
  { path: '/nguoi-dung', page: 'users', key: 'nav.users', need: 'users' },
  { path: '/phien-ban', page: 'releases', key: 'nav.releases', need: 'units' },
];

/** The first page a role may open (a submitter has no overview: it cannot read the fleet). */
export function homeOf(role: Parameters<typeof can>[0]): string {
  return NAV.find((n) => can(role, n.need))?.path ?? '/';
}

export function Layout({ route, onLang, onLogout, children }: { route: Route; onLang: () => void; onLogout: () => void; children: ComponentChildren }): VNode {
  const { user, t } = useApp();
  const current = route.page === 'unit' ? 'overview' : route.page;
  return html`<a class="skip" href="#main">${t('skip')}</a>
    <header class="top">
      <a class="brand" href="/">${t('brand')}</a>
      <nav aria-label=${t('nav.label')}>
        <ul>
          ${NAV.filter((n) => can(user.role, n.need)).map(
            (n) => html`<li><a href=${n.path} aria-current=${n.page === current ? 'page' : undefined}>${t(n.key)}</a></li>`,
          )}
        </ul>
      </nav>
      <div class="who">
        <span>${user.displayName || user.name} · ${t(`role.${user.role}`)}</span>
        <button type="button" class="link" onClick=${onLang}>${t('lang.switch')}</button>
        <button type="button" class="link" onClick=${onLogout}>${t('logout')}</button>
      </div>
    </header>
    <main id="main" tabindex="-1">${children}</main>`;
}
