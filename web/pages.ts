import { inlineStyle } from './inline-style.js';

/** Minimal, accessible server-rendered pages for debtors: mobile first, no JavaScript needed. */
export const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );

const PAGE_STYLE = inlineStyle(`
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.5;margin:0;color:#1a1a1a;background:#fafafa;font-size:1.0625rem}
main{max-width:36rem;margin:0 auto;padding:1rem 1.25rem 2rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
a{color:#0b5cad}
header{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;border-bottom:1px solid #ddd;padding-bottom:.5rem}
.creditor{margin:0;font-weight:600}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0 1rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;padding:.5rem .25rem;border-bottom:1px solid #ddd;vertical-align:top}.num{text-align:right;white-space:nowrap}
.actions{list-style:none;padding:0;display:grid;gap:.5rem}
.button,button{display:inline-block;font:inherit;font-weight:600;padding:.75rem 1.25rem;min-height:2.75rem;border-radius:.5rem;border:0;background:#0b5cad;color:#fff;cursor:pointer;text-decoration:none;text-align:center}
.actions .button,.actions .action{display:block;box-sizing:border-box}
.action{padding:.75rem 1rem;border:1px solid #0b5cad;border-radius:.5rem;text-decoration:none;font-weight:600}
button.secondary{background:#fff;color:#0b5cad;border:1px solid #0b5cad}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
fieldset{border:0;padding:0;margin:1rem 0}legend{font-weight:600;margin-bottom:.25rem}
.choice{display:flex;gap:.6rem;align-items:flex-start;padding:.4rem 0}.choice input{width:1.5rem;height:1.5rem;margin:.1rem 0 0;flex:none}
.choice label{display:flex;flex-direction:column}
.field{margin:1rem 0}.field label{display:block;font-weight:600;margin-bottom:.25rem}
input[type=date],select,textarea{font:inherit;padding:.6rem;border:1px solid #555;border-radius:.4rem;background:#fff;color:#1a1a1a;width:100%;box-sizing:border-box;min-height:2.75rem}
.hint{color:#444;margin:.1rem 0 .3rem;font-size:.95rem}
.error{color:#b00020;font-weight:600;margin:.2rem 0}
.errors{border:2px solid #b00020;border-radius:.5rem;padding:.5rem 1rem;margin:1rem 0;background:#fff}.errors h2{margin-top:.25rem}
.notice{border-left:4px solid #1b7a3a;background:#fff;padding:.5rem 1rem;margin:1rem 0}
dl.details{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dl.details dt{font-weight:600}dl.details dd{margin:0;word-break:break-word}
figure.qr{margin:1rem 0;max-width:16rem}figure.qr svg{width:100%;height:auto;background:#fff}
footer{border-top:1px solid #ddd;margin-top:2rem;padding-top:.5rem;color:#444}
.note{color:#444}
`);

export function page(lang: 'de' | 'en', title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
${PAGE_STYLE}
</head>
<body><main>
${bodyHtml}
</main></body>
</html>`;
}
