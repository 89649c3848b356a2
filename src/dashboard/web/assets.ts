/** The dashboard's static files, embedded in the package: path under /dashboard → content. */
import { APP_CHARTS_JS } from './app-charts.js';
import { APP_CORE_JS } from './app-core.js';
import { APP_TREE_JS } from './app-tree.js';
import { APP_VIEWS_JS } from './app-views.js';
import { PAGE_HTML } from './page.js';
import { STYLE_CSS } from './style.js';

export interface Asset {
  readonly contentType: string;
  readonly body: string;
}

export const DASHBOARD_ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['/index.html', { contentType: 'text/html; charset=utf-8', body: PAGE_HTML }],
  ['/style.css', { contentType: 'text/css; charset=utf-8', body: STYLE_CSS }],
  [
    '/app.js',
    {
      contentType: 'text/javascript; charset=utf-8',
      // One script, in order: core defines W and $, the rest add to it, charts starts it.
      body: [APP_CORE_JS, APP_TREE_JS, APP_VIEWS_JS, APP_CHARTS_JS].join('\n'),
    },
  ],
]);
