/**
 * The officers' console: checks the session, then shows the page of the address (client-side routes, see
 * lib/routes.ts). The language is Vietnamese unless the user chose English (kept in localStorage); `<html lang>`
 * follows it.
 */
import { render, type VNode } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { Api } from './api.js';
import { AppContext, useApp, type AppCtx } from './app.js';
import { Layout, homeOf } from './components/layout.js';
import { html } from './html.js';
import { makeT } from './lib/i18n.js';
import { can, type Capability } from './lib/roles.js';
import { isAppLink, matchRoute, type Route } from './lib/routes.js';
import type { Lang, SessionUser } from './lib/types.js';
import { ActivitiesPage } from './pages/activities.js';
import { CommandsPage } from './pages/commands.js';
import { ContentPage } from './pages/content.js';
import { LoginPage } from './pages/login.js';
import { OverviewPage } from './pages/overview.js';
import { ReleasesPage } from './pages/releases.js';
import { ReportsPage } from './pages/reports.js';
import { ReviewsPage } from './pages/reviews.js';
import { RewardsPage } from './pages/rewards.js';
import { UnitPage } from './pages/unit.js';
import { UsersPage } from './pages/users.js';
import './styles.css';

const LANG_KEY = 'loa.lang';

function storedLang(): Lang {
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi';
  }
}

/** What a page needs; the API refuses the rest anyway, this only spares the user a page of refusals. */
const NEEDS: Partial<Record<Route['page'], Capability>> = { overview: 'units', unit: 'units', content: 'content', commands: 'units', reports: 'reports', users: 'users', releases: 'units', activities: 'activities', reviews: 'reviews', rewards: 'reviews' };

function Page({ route }: { route: Route }): VNode {
  const { user, t } = useApp();
  const need = NEEDS[route.page];
  if (need !== undefined && !can(user.role, need)) {
    return html`<section><h1>${t('forbidden.title')}</h1><p>${t('forbidden.text', { role: t(`role.${user.role}`) })}</p></section>`;
  }
  switch (route.page) {
    case 'overview':
      return html`<${OverviewPage} />`;
    case 'unit':
      return html`<${UnitPage} id=${route.id} />`;
    case 'content':
      return html`<${ContentPage} />`;
    case 'commands':
      return html`<${CommandsPage} />`;
    case 'reports':
      return html`<${ReportsPage} />`;
    case 'users':
      return html`<${UsersPage} />`;
    case 'releases':
      return html`<${ReleasesPage} />`;
    case 'activities':
      return html`<${ActivitiesPage} />`;
    case 'reviews':
      return html`<${ReviewsPage} />`;
    case 'rewards':
      return html`<${RewardsPage} />`;
    case 'login':
    case 'not-found':
      return html`<${NotFound} />`;
  }
}

function NotFound(): VNode {
  const { t } = useApp();
  return html`<section><h1>${t('notFound.title')}</h1><p><a href="/">${t('notFound.back')}</a></p></section>`;
}

function App(): VNode {
  const [lang, setLang] = useState<Lang>(storedLang);
  const [path, setPath] = useState(location.pathname);
  const [user, setUser] = useState<SessionUser | null | undefined>(undefined);
  const api = useMemo(() => new Api(() => setUser(null)), []);
  const t = useMemo(() => makeT(lang), [lang]);

  const navigate = useCallback((to: string) => {
    if (to !== location.pathname + location.search) history.pushState(null, '', to);
    setPath(location.pathname);
    window.scrollTo(0, 0);
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t('title');
  }, [lang, t]);

  useEffect(() => {
    api.session().then(
      (s) => setUser(s?.user ?? null),
      () => setUser(null),
    );
    const onPop = (): void => setPath(location.pathname);
    // Links inside the app change the page without a reload; downloads and other files load as usual.
    const onClick = (ev: MouseEvent): void => {
      if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      const a = (ev.target as Element | null)?.closest?.('a');
      if (!a || a.target || a.hasAttribute('download') || !a.href) return;
      const url = new URL(a.href);
      if (!isAppLink(url, location.origin) || url.hash) return;
      ev.preventDefault();
      navigate(url.pathname + url.search);
    };
    addEventListener('popstate', onPop);
    document.addEventListener('click', onClick);
    return () => {
      removeEventListener('popstate', onPop);
      document.removeEventListener('click', onClick);
    };
  }, [api, navigate]);

  const switchLang = (): void => {
    const next = lang === 'vi' ? 'en' : 'vi';
    try {
      localStorage.setItem(LANG_KEY, next);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    setLang(next);
  };

  if (user === undefined) return html`<p class="boot" role="status">${t('loading')}</p>`;
  if (user === null) {
    return html`<${LoginPage}
      api=${api}
      t=${t}
      lang=${lang}
      onLang=${switchLang}
      onLogin=${(u: SessionUser) => {
        setUser(u);
        const r = matchRoute(location.pathname);
        if (r.page === 'login' || (r.page === 'overview' && !can(u.role, 'units'))) navigate(homeOf(u.role));
      }}
    />`;
  }
  let route = matchRoute(path);
  if (route.page === 'login' || (route.page === 'overview' && !can(user.role, 'units') && homeOf(user.role) !== '/')) {
    route = matchRoute(homeOf(user.role));
  }
  const ctx: AppCtx = { api, user, lang, t, now: Date.now, navigate };
  const logout = (): void => {
    // Even if the controller cannot be reached, the page forgets the session (the cookie expires on its own).
    void api
      .logout()
      .catch(() => undefined)
      .then(() => {
        setUser(null);
        navigate('/dang-nhap');
      });
  };
  return html`<${AppContext.Provider} value=${ctx}>
    <${Layout} route=${route} onLang=${switchLang} onLogout=${logout}><${Page} key=${path} route=${route} /></${Layout}>
  </${AppContext.Provider}>`;
}

render(html`<${App} />`, document.getElementById('app')!);
