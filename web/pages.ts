/** Minimal, accessible server-rendered pages for debtors: mobile first, no JavaScript needed. */
export const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );

export function page(lang: 'de' | 'en', title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.5;margin:0;color:#1a1a1a;background:#fafafa}
main{max-width:36rem;margin:0 auto;padding:1.25rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0 1rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.5rem .25rem;border-bottom:1px solid #ddd}
button{font:inherit;padding:.75rem 1.25rem;border-radius:.5rem;border:0;background:#0b5cad;color:#fff;cursor:pointer}
button:focus-visible,a:focus-visible{outline:3px solid #f2a900;outline-offset:2px}
.note{color:#444}
</style>
</head>
<body><main>
${bodyHtml}
</main></body>
</html>`;
}
