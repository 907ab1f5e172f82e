import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/**
 * The cockpit's scripts, served by the product itself (no CDN): Chart.js from node_modules and the
 * small script below that draws the charts from the page's JSON. The tables carry the same numbers,
 * so the page reads without JavaScript.
 */
const CHART_SCRIPT = `(() => {
  const source = document.getElementById('cockpit-data');
  if (!source || !window.Chart) return;
  const { lang, charts } = JSON.parse(source.textContent);
  const locale = lang === 'de' ? 'de-DE' : 'en-GB';
  const palette = ['#0b5cad', '#b3261e', '#1b7f3b', '#8a4fbf', '#a15c00', '#00838f', '#5f6368'];
  const formats = {
    share: new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }),
    ratio: new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }),
    count: new Intl.NumberFormat(locale),
  };
  for (const spec of charts) {
    const canvas = document.getElementById('chart-' + spec.id);
    if (!canvas) continue;
    const format = (v) => (v === null || v === undefined ? '—' : formats[spec.unit].format(v));
    new window.Chart(canvas, {
      type: spec.kind,
      data: {
        labels: spec.labels,
        datasets: spec.series.map((s, i) => ({
          label: s.label,
          data: s.values,
          borderColor: palette[i % palette.length],
          backgroundColor: palette[i % palette.length],
          spanGaps: true,
        })),
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        locale,
        scales: { y: { beginAtZero: true, ticks: { callback: format } } },
        plugins: { tooltip: { callbacks: { label: (c) => c.dataset.label + ': ' + format(c.raw) } } },
      },
    });
    canvas.dataset.drawn = 'true';
  }
})();
`;

// The package exports no subpath for its browser build: it sits next to the CommonJS entry.
const chartJs = path.join(
  path.dirname(createRequire(import.meta.url).resolve('chart.js')),
  'chart.umd.min.js',
);

export const cockpitAssetRoutes: FastifyPluginAsync = async (app) => {
  const library = await readFile(chartJs, 'utf8');
  const script = (body: string) => (_request: unknown, reply: FastifyReply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(body);
  app.get('/cockpit/assets/chart.umd.min.js', { schema: { hide: true } }, script(library));
  app.get('/cockpit/assets/cockpit.js', { schema: { hide: true } }, script(CHART_SCRIPT));
};
