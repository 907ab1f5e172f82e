import { isSupervisor, mayUseCockpit } from '../../domain/agents.js';
import { inlineStyle } from '../inline-style.js';
import { escapeHtml } from '../pages.js';
import type { AgentSession } from './session.js';

/** Staff pages: server-rendered, plain forms, no JavaScript needed. English first. */
export const h = escapeHtml;

export function csrfField(session: { csrf: string }): string {
  return `<input type="hidden" name="_csrf" value="${h(session.csrf)}">`;
}

/** A POST button in its own form, carrying the CSRF token. */
export function postButton(session: AgentSession, action: string, label: string, extra = ''): string {
  return `<form method="post" action="${h(action)}" class="inline">${csrfField(session)}${extra}<button type="submit">${h(label)}</button></form>`;
}

export function notice(message: { kind: 'error' | 'ok'; text: string } | undefined): string {
  return message
    ? `<p class="notice ${message.kind}" role="${message.kind === 'error' ? 'alert' : 'status'}">${h(message.text)}</p>`
    : '';
}

/** `lang` and extra `<head>` content (the cockpit's scripts) for pages beyond the English inbox. */
const STAFF_STYLE = inlineStyle(`
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.45;margin:0;color:#1a1a1a;background:#f6f7f9}
header{background:#0b3d6e;color:#fff;padding:.6rem 1.25rem}header a,header span{color:#fff}
nav{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
main{max-width:72rem;margin:0 auto;padding:1rem 1.25rem}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.5rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
button{font:inherit;padding:.35rem .8rem;border-radius:.35rem;border:0;background:#0b5cad;color:#fff;cursor:pointer}
form.inline{display:inline}label{display:block;margin:.35rem 0}input,select,textarea{font:inherit}
.notice{padding:.6rem .8rem;border-radius:.35rem}.error{background:#fde2e1}.ok{background:#e2f5e4}
.muted{color:#555}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1rem}
section.card{background:#fff;padding:.75rem 1rem;border-radius:.4rem;border:1px solid #ddd}
details{background:#fff;border:1px solid #ddd;border-radius:.35rem;padding:.4rem .8rem;margin:.4rem 0}
a:focus-visible,button:focus-visible{outline:3px solid #f2a900;outline-offset:2px}
`);

export function staffPage(
  title: string,
  session: AgentSession | undefined,
  body: string,
  page: { lang?: 'de' | 'en'; head?: string } = {},
): string {
  const nav = session
    ? `<nav><a href="/inbox">Inbox</a>${
        isSupervisor(session.agent.role)
          ? ' · <a href="/inbox/supervisor">Supervisor</a> · <a href="/inbox/write-offs">Write-offs</a> · <a href="/inbox/agents">Agents</a>'
          : ''
      }${mayUseCockpit(session.agent.role) ? ' · <a href="/cockpit">Cockpit</a>' : ''}${
        session.agent.role === 'admin' ? ' · <a href="/inbox/audit">Audit log</a>' : ''
      } · <span>${h(session.agent.name)} (${h(session.agent.role)}; skills: ${h(session.agent.skills.join(', ') || '—')})</span> ${postButton(session, '/inbox/logout', 'Log out')}</nav>`
    : '';
  return `<!doctype html>
<html lang="${page.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${h(title)} · Mahnwerk inbox</title>
${STAFF_STYLE}${page.head ?? ''}
</head>
<body>
<header>${nav || '<span>Mahnwerk agent inbox</span>'}</header>
<main>
${body}
</main>
</body>
</html>`;
}

export function formatInstant(at: Date | string | null | undefined, timeZone = 'UTC'): string {
  if (!at) return '—';
  const date = typeof at === 'string' ? new Date(at) : at;
  return `${new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date)}${timeZone === 'UTC' ? ' UTC' : ''}`;
}
