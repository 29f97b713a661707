/** The console's client-side routes (Vietnamese paths, as officers read them in the address bar). Pure. */

export type Route =
  | { page: 'overview' }
  | { page: 'unit'; id: string }
  | { page: 'content' }
  | { page: 'commands' }
  | { page: 'reports' }
  | { page: 'users' }
  | { page: 'releases' }
  | { page: 'activities' }
  | { page: 'reviews' }
  | { page: 'rewards' }
  | { page: 'login' }
  | { page: 'not-found' };

export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  const unit = /^\/xe\/([^/]+)$/.exec(path);
  if (unit) return { page: 'unit', id: decodeURIComponent(unit[1]!) };
  switch (path) {
    case '/':
      return { page: 'overview' };
    case '/noi-dung':
      return { page: 'content' };
    case '/lenh':
      return { page: 'commands' };
    case '/bao-cao':
      return { page: 'reports' };
    case '/nguoi-dung':
      return { page: 'users' };
    case '/phien-ban':
      return { page: 'releases' };
    case '/hoat-dong':
      return { page: 'activities' };
    case '/so-ket':
      return { page: 'reviews' };
    case '/khen-thuong':
      return { page: 'rewards' };
    case '/dang-nhap':
      return { page: 'login' };
    default:
      return { page: 'not-found' };
  }
}

export const unitPath = (id: string): string => `/xe/${encodeURIComponent(id)}`;

/**
 * Whether a click on a link to `href` stays inside the app (handled by the router) rather than loading a page: the
 * API's downloads and the map files are real requests.
 */
export function isAppLink(href: URL, origin: string): boolean {
  return href.origin === origin && !/^\/(api|map|content)(\/|$)/.test(href.pathname);
}
