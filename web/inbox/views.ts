import type { Agent } from '../../db/agents.js';
import type { WriteOffApproval } from '../../db/write-offs.js';
import type { AgentTask, Inbox, SupervisorOverview } from '../../db/agent-tasks.js';
import { AGENT_ROLES, isSupervisor, KNOWN_SKILLS } from '../../domain/agents.js';
import {
  agentOutcomeSchema,
  DECISION_LABELS,
  DECISIONS,
  describeOutcome,
  isDecisionTask,
  outcomesFor,
  type AgentOutcomeKind,
} from '../../domain/agent-tasks.js';
import type { AgentTaskKind } from '../../domain/strategies/types.js';
import { formatMoney } from '../../domain/money.js';
import { claimRows, waiverNote } from '../../channels/messages/claim-rows.js';
import { addressLines } from '../../domain/postal-address.js';
import type { CaseFile } from './case-file.js';
import { csrfField, formatInstant, h, notice, postButton, staffPage } from './layout.js';
import type { AgentSession } from './session.js';

export type Notice = { kind: 'error' | 'ok'; text: string } | undefined;

export function loginPage(csrf: string, next: string, message?: Notice): string {
  return staffPage(
    'Log in',
    undefined,
    `<h1>Log in to the agent inbox</h1>${notice(message)}
<form method="post" action="/inbox/login">
<input type="hidden" name="_csrf" value="${h(csrf)}"><input type="hidden" name="next" value="${h(next)}">
<label>E-mail <input type="email" name="email" autocomplete="username" required></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button>
</form>`,
  );
}

const skills = (task: AgentTask) => h(task.requiredSkills.join(', '));

function taskRows(session: AgentSession, tasks: AgentTask[], action: 'claim' | 'open' | 'none'): string {
  if (tasks.length === 0) return '<p class="muted">Nothing here.</p>';
  const rows = tasks
    .map((t) => {
      const button =
        action === 'claim'
          ? postButton(session, `/inbox/tasks/${t.id}/claim`, 'Claim')
          : action === 'open'
            ? `<a href="/inbox/tasks/${t.id}">Open</a>`
            : '';
      return `<tr data-task="${t.id}"><td><a href="/inbox/tasks/${t.id}">${h(t.label)}</a><br><span class="muted">${h(t.question)}</span></td><td>${h(t.debtorId)}</td><td>${t.priority}</td><td>${h(formatInstant(t.dueAt))}</td><td>${skills(t)}</td><td>${t.status === 'withdrawn' ? h(`withdrawn: ${t.closeReason ?? ''}`) : h(t.status)}</td><td>${button}</td></tr>`;
    })
    .join('\n');
  return `<table><thead><tr><th>Task</th><th>Debtor</th><th>Priority</th><th>Due</th><th>Skills</th><th>Status</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function inboxPage(session: AgentSession, inbox: Inbox, message?: Notice): string {
  return staffPage(
    'Inbox',
    session,
    `<h1>Inbox</h1>${notice(message)}
<h2>My tasks (${inbox.mine.length})</h2>${taskRows(session, inbox.mine, 'open')}
<h2>Queue for my skills (${inbox.queue.length})</h2>${taskRows(session, inbox.queue, 'claim')}
<h2>Withdrawn in the last day</h2><p class="muted">The case no longer needs these: deadline passed, paid, paused or moved.</p>${taskRows(session, inbox.withdrawn, 'none')}`,
  );
}

// --- task and case view --------------------------------------------------------------------------

const OUTCOME_LABELS: Record<AgentOutcomeKind, string> = {
  promise: 'Reached: promise to pay',
  'payment-plan': 'Reached: payment plan',
  dispute: 'Reached: disputes the claim',
  refuses: 'Reached: refuses to pay',
  'not-reached': 'Not reached',
  'call-back': 'Call back at a time',
  hardship: 'Hardship identified',
  'data-found': 'New contact data found',
  decision: 'Supervisor decision',
};

function outcomeFields(kind: AgentOutcomeKind, task: AgentTaskKind, currency: string, zone: string): string {
  const decisions = isDecisionTask(task) ? DECISIONS[task] : [];
  switch (kind) {
    case 'promise':
      return `<label>Pay by <input type="date" name="date" required></label><label>Amount in ${h(currency)} (empty: everything open) <input name="amount" inputmode="decimal" pattern="[0-9]+([.,][0-9]{1,2})?"></label>`;
    case 'payment-plan':
      return `<label>Instalments <input type="number" name="instalments" min="2" max="24" value="3" required></label><label>First instalment on <input type="date" name="firstDate" required></label>`;
    case 'dispute':
      return `<label>Reason <input name="reason" maxlength="200" required></label>`;
    case 'not-reached':
      return `<label>What happened <select name="reason"><option value="no-answer">No answer</option><option value="voicemail">Voicemail</option><option value="wrong-number">Wrong number</option></select></label>`;
    case 'call-back':
      return `<label>Call back at (debtor's local time, ${h(zone)}) <input type="datetime-local" name="at" required></label>`;
    case 'decision':
      return `<label>Decision <select name="decision">${decisions.map((d) => `<option value="${d}">${h(DECISION_LABELS[d])}</option>`).join('')}</select></label>`;
    case 'data-found':
      return `<label>E-mail <input type="email" name="email"></label><label>Phone (E.164, e.g. +4915123456789) <input name="phone" pattern="\\+[1-9][0-9]{6,14}"></label><label><input type="checkbox" name="callConsent" value="on"> Debtor agreed to calls</label><label><input type="checkbox" name="smsConsent" value="on"> Debtor agreed to SMS</label>`;
    default:
      return '';
  }
}

function outcomeForms(session: AgentSession, task: AgentTask, file: CaseFile): string {
  const currency = file.facts.currency ?? 'EUR';
  const zone = file.facts.timezone;
  const taskKind = task.kind as AgentTaskKind;
  return outcomesFor(taskKind)
    .map(
      (kind) => `<details data-outcome="${kind}"><summary>${h(OUTCOME_LABELS[kind])}</summary>
<form method="post" action="/inbox/tasks/${task.id}/outcome">${csrfField(session)}<input type="hidden" name="kind" value="${kind}">
${outcomeFields(kind, taskKind, currency, zone)}
<label>Note <textarea name="note" rows="2" cols="50" maxlength="2000"></textarea></label>
<button type="submit">Record: ${h(OUTCOME_LABELS[kind])}</button></form></details>`,
    )
    .join('\n');
}

function taskActions(session: AgentSession, task: AgentTask, file: CaseFile): string {
  const mine = task.claimedBy === session.agent.id;
  if (task.status === 'open') return postButton(session, `/inbox/tasks/${task.id}/claim`, 'Claim this task');
  if (task.status === 'claimed') {
    const who = mine
      ? 'You have claimed this task.'
      : `Claimed by ${h(task.claimedByName ?? 'another agent')}.`;
    const answer = mine || session.agent.role !== 'agent';
    return `<p>${who} ${postButton(session, `/inbox/tasks/${task.id}/release`, 'Release to the queue')}</p>${answer ? `<h2>Outcome</h2>${outcomeForms(session, task, file)}` : ''}`;
  }
  if (task.status === 'withdrawn')
    return `<p class="notice error">Withdrawn: ${h(task.closeReason ?? '')}. The case no longer needs it.</p>`;
  const { note: stored, ...recorded } = task.outcome ?? {};
  const outcome = agentOutcomeSchema.safeParse(recorded);
  const note = typeof stored === 'string' ? ` · Note: ${stored}` : '';
  return `<p class="notice ok">Done: ${h(outcome.success ? describeOutcome(outcome.data) : 'outcome recorded')}${h(note)}</p>`;
}

function contactSection(file: CaseFile): string {
  const debtor = file.facts.debtor;
  const points = file.contactPoints
    .map((p) => {
      const state = [
        p.consent ? 'consent' : 'no consent',
        p.opted_out_at && 'opted out',
        p.invalid_at && 'invalid',
      ].filter(Boolean);
      const link = p.channel === 'email' ? `mailto:${p.address}` : `tel:${p.address}`;
      return `<li>${h(p.channel)}: <a href="${h(link)}">${h(p.address)}</a> <span class="muted">(${h(state.join(', '))})</span></li>`;
    })
    .join('');
  const postal = file.facts.postalAddress;
  const letter = postal
    ? `<li>letter: ${h(addressLines('', postal, postal.country).slice(1).join(', '))} ${h(postal.country)}</li>`
    : '';
  return `<section class="card"><h2>Debtor</h2><p><strong>${h(debtor?.name ?? '—')}</strong> · ${h(file.facts.debtorExists ? file.facts.locale : '')} · ${h(file.facts.timezone)} · ${h(debtor?.country ?? '')}</p>
<p>Local time now: ${h(formatInstant(new Date(), file.facts.timezone))}</p><ul>${points + letter || '<li>No contact points</li>'}</ul>
<p class="muted">Flags: ${h((debtor?.flags ?? []).join(', ') || 'none')} · customer value ${h(debtor?.customer_value ?? '—')}</p></section>`;
}

/** The claim as the debtor reads it (their language): principal, interest, fees, payments, open. */
function claimTable(file: CaseFile, lang: 'de' | 'en'): string {
  if (!file.claim) return '';
  const rows = claimRows(file.claim, lang)
    .map(([label, amount]) => `<tr><td>${h(label)}</td><td>${h(amount)}</td></tr>`)
    .join('');
  const waiver = file.claim.waiver ? `<p>${h(waiverNote(file.claim.waiver.reason, lang))}</p>` : '';
  return `<h3>Claim</h3><table data-claim><tbody>${rows}</tbody></table>${waiver}`;
}

function invoicesSection(file: CaseFile, lang: 'de' | 'en'): string {
  const rows = file.facts.openInvoices
    .map(
      (i) =>
        `<tr><td>${h(i.id)}</td><td>${h(i.dueDate)}</td><td>${h(formatMoney({ amount: i.open, currency: i.currency }, lang))}</td></tr>`,
    )
    .join('');
  const total = file.facts.currency
    ? formatMoney({ amount: file.facts.openAmount, currency: file.facts.currency }, lang)
    : '—';
  return `<section class="card"><h2>Open invoices</h2><p>Total open: <strong>${h(total)}</strong>, ${file.facts.daysPastDue} days past due</p>
<table><thead><tr><th>Invoice</th><th>Due</th><th>Open</th></tr></thead><tbody>${rows}</tbody></table>${claimTable(file, lang)}</section>`;
}

function caseSection(file: CaseFile): string {
  const s = file.state;
  const row = file.caseRow;
  const status = s?.status ?? row?.status ?? '—';
  const next = s?.nextStep ?? row?.next_step;
  const nextAt = s?.nextStepAt ?? row?.next_step_at;
  const promised = s?.promisedUntil
    ? `<p>Promised (see the timeline for the date): outreach paused; the payment is checked on ${h(formatInstant(s.promisedUntil, file.facts.timezone))}, a day after the promised day for booking</p>`
    : '';
  const later = file.nextSteps.map((step) => `<li>${h(step.label)} (+${step.afterDays} d)</li>`).join('');
  return `<section class="card"><h2>Case</h2><p>Status <strong data-case-status>${h(status)}</strong> · segment <strong>${h(s?.segment ?? row?.segment ?? '—')}</strong>${s ? ` (rule ${h(s.ruleId)})` : ''}</p>
${s ? `<ul>${s.reasons.map((r) => `<li>${h(r)}</li>`).join('')}</ul>` : ''}${promised}
<p>Next: ${h(next ?? '—')}${nextAt ? ` at ${h(formatInstant(nextAt, file.facts.timezone))}` : ''}</p>
${later ? `<p>Then, by the strategy ${h(file.strategy?.version ?? '')}:</p><ol>${later}</ol>` : ''}</section>`;
}

/** The latest hand-over and, for supervisors, its package to download (it holds contact data). */
function handoffSection(session: AgentSession, file: CaseFile): string {
  const handoff = file.handoff;
  if (!handoff) return '';
  const base = `/inbox/cases/${encodeURIComponent(handoff.debtor_id)}/handoff`;
  const downloads = isSupervisor(session.agent.role)
    ? `<p><a href="${h(base)}.json" download data-handoff-json>Package (JSON)</a> · <a href="${h(base)}.csv" download data-handoff-csv>Claim lines (CSV)</a></p>`
    : '<p class="muted">Supervisors can download the package.</p>';
  return `<section class="card"><h2>Hand-over</h2><p>Status <strong data-handoff-status>${h(handoff.status)}</strong> since ${h(formatInstant(handoff.updated_at))}${handoff.collected_amount > 0 ? ` · collected ${h(formatMoney({ amount: handoff.collected_amount, currency: file.facts.currency ?? 'EUR' }, 'en'))}` : ''}${handoff.reason ? ` · ${h(handoff.reason)}` : ''}</p>${downloads}</section>`;
}

function timelineSection(file: CaseFile): string {
  const rows = [...file.timeline]
    .reverse()
    .map(
      (e) =>
        `<tr><td>${h(formatInstant(e.at))}</td><td>${h(e.source)}</td><td>${h(e.type)}</td><td>${h(e.summary)}</td></tr>`,
    )
    .join('');
  return `<h2>Timeline</h2><table><thead><tr><th>When</th><th>Source</th><th>Event</th><th>What</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function taskPage(session: AgentSession, task: AgentTask, file: CaseFile, message?: Notice): string {
  const lang = file.facts.locale;
  return staffPage(
    task.label,
    session,
    `<p><a href="/inbox">← Inbox</a></p><h1>${h(task.label)} · ${h(task.debtorId)}</h1>${notice(message)}
<p><strong>${h(task.question)}</strong></p>
<p class="muted">Priority ${task.priority} · due ${h(formatInstant(task.dueAt))} (${h(formatInstant(task.dueAt, file.facts.timezone))} for the debtor) · skills ${skills(task)} · status <span data-task-status>${h(task.status)}</span></p>
${taskActions(session, task, file)}
<div class="grid">${contactSection(file)}${invoicesSection(file, lang)}${caseSection(file)}${handoffSection(session, file)}</div>
${timelineSection(file)}`,
  );
}

// --- supervisors ---------------------------------------------------------------------------------

function reassignForm(session: AgentSession, task: AgentTask, agents: Agent[]): string {
  const options = agents
    .filter((a) => a.active && task.requiredSkills.every((s) => a.skills.includes(s)))
    .map(
      (a) => `<option value="${h(a.id)}"${a.id === task.claimedBy ? ' selected' : ''}>${h(a.name)}</option>`,
    )
    .join('');
  if (!options) return '<span class="muted">nobody has the skills</span>';
  return postButton(
    session,
    `/inbox/tasks/${task.id}/reassign`,
    'Assign',
    `<select name="agentId" aria-label="Assign to">${options}</select> `,
  );
}

export function supervisorPage(
  session: AgentSession,
  overview: SupervisorOverview,
  agents: Agent[],
  message?: Notice,
): string {
  const bySkill = overview.queueBySkill
    .map((q) => `<tr><td>${h(q.skill)}</td><td>${q.open}</td></tr>`)
    .join('');
  const byAgent = overview.byAgent
    .map((a) => `<tr><td>${h(a.name)}</td><td>${a.claimed}</td><td>${a.doneToday}</td></tr>`)
    .join('');
  const tasks = (list: AgentTask[]) =>
    list.length === 0
      ? '<p class="muted">None.</p>'
      : `<table><thead><tr><th>Task</th><th>Debtor</th><th>Priority</th><th>Due</th><th>Skills</th><th>Claimed by</th><th>Reassign</th></tr></thead><tbody>${list
          .map(
            (t) =>
              `<tr data-task="${t.id}"><td><a href="/inbox/tasks/${t.id}">${h(t.label)}</a></td><td>${h(t.debtorId)}</td><td>${t.priority}</td><td>${h(formatInstant(t.dueAt))}</td><td>${skills(t)}</td><td>${h(t.claimedByName ?? '—')}</td><td>${reassignForm(session, t, agents)}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  return staffPage(
    'Supervisor',
    session,
    `<h1>Supervisor view</h1>${notice(message)}
<div class="grid"><section class="card"><h2>Open tasks per skill</h2><table><thead><tr><th>Skill</th><th>Open</th></tr></thead><tbody>${bySkill}</tbody></table></section>
<section class="card"><h2>Tasks per agent</h2><table><thead><tr><th>Agent</th><th>Claimed</th><th>Done (24 h)</th></tr></thead><tbody>${byAgent}</tbody></table></section></div>
<h2>Past due (${overview.pastDue.length})</h2>${tasks(overview.pastDue)}
<h2>All open and claimed tasks</h2>${tasks(overview.active)}`,
  );
}

function roleOptions(session: AgentSession, current: string): string {
  // Only an admin makes admins.
  return AGENT_ROLES.filter((r) => r !== 'admin' || session.agent.role === 'admin' || current === 'admin')
    .map((r) => `<option${r === current ? ' selected' : ''}>${r}</option>`)
    .join('');
}

/**
 * The write-off approvals awaiting a supervisor: what is open and why, decided from the list. The
 * claim's data stays either way; an approval closes the case as written off.
 */
export function writeOffsPage(
  session: AgentSession,
  approvals: WriteOffApproval[],
  purposeOf: (segment: string | null) => string,
  message?: Notice,
): string {
  const rows = approvals
    .map((a) => {
      const amount = a.currency ? formatMoney({ amount: a.openAmount, currency: a.currency }, 'en') : '—';
      const decide = (decision: 'write-off' | 'keep', label: string) =>
        postButton(
          session,
          `/inbox/write-offs/${a.taskId}`,
          label,
          `<input type="hidden" name="decision" value="${decision}">`,
        );
      return `<tr data-write-off="${a.taskId}"><td><a href="/inbox/tasks/${a.taskId}">${h(a.debtorId)}</a></td><td class="num" data-amount>${h(amount)}</td><td>${a.daysPastDue}</td><td>${h(a.reason)}<br><span class="muted">${h(purposeOf(a.segment))}</span></td><td>${h(formatInstant(a.dueAt))}</td><td>${h(a.claimedByName ?? '—')}</td><td>${decide('write-off', 'Approve write-off')} ${decide('keep', 'Decline: keep in outreach')}</td></tr>`;
    })
    .join('');
  return staffPage(
    'Write-offs',
    session,
    `<h1>Write-off approvals (${approvals.length})</h1>${notice(message)}
<p class="muted">Approving closes the case as written off and tells billing (webhook <code>case.written_off</code>); the invoices, payments and timeline stay.</p>
${approvals.length === 0 ? '<p class="muted">None.</p>' : `<table><thead><tr><th>Debtor</th><th>Open</th><th>Days past due</th><th>Why</th><th>Due</th><th>Claimed by</th><th>Decision</th></tr></thead><tbody>${rows}</tbody></table>`}`,
  );
}

export function agentsPage(session: AgentSession, agents: Agent[], message?: Notice): string {
  const rows = agents
    .map(
      (
        a,
      ) => `<tr data-agent="${h(a.email)}"><td>${h(a.name)}<br><span class="muted">${h(a.email)}</span></td><td colspan="3">
<form method="post" action="/inbox/agents/${h(a.id)}">${csrfField(session)}
<select name="role" aria-label="Role">${roleOptions(session, a.role)}</select>
<input name="skills" value="${h(a.skills.join(', '))}" aria-label="Skills" size="40">
<label class="inline"><input type="checkbox" name="active" value="on"${a.active ? ' checked' : ''}> active</label>
<button type="submit">Save</button></form></td></tr>`,
    )
    .join('');
  return staffPage(
    'Agents',
    session,
    `<h1>Agents and skills</h1>${notice(message)}<p class="muted">Skills: ${h(KNOWN_SKILLS.join(', '))}, or any word you route by.</p>
<table><thead><tr><th>Agent</th><th colspan="3">Role, skills, active</th></tr></thead><tbody>${rows}</tbody></table>
<h2>New agent</h2><form method="post" action="/inbox/agents">${csrfField(session)}
<label>Name <input name="name" required></label><label>E-mail <input type="email" name="email" required></label>
<label>Initial password (at least 12 characters) <input type="password" name="password" minlength="12" required autocomplete="new-password"></label>
<label>Role <select name="role">${roleOptions(session, 'agent')}</select></label>
<label>Skills <input name="skills" placeholder="lang:de, hardship"></label><button type="submit">Create agent</button></form>`,
  );
}
