/** The whole message, case-insensitive, ignoring whitespace, punctuation, symbols and full-width forms. */
function keyword(body: string): string {
  return body
    .normalize('NFKC')
    .replace(/[\s\p{P}\p{S}\p{C}\p{M}]+/gu, '')
    .toUpperCase();
}

/** Opt-out words (TCPA "reasonable means" plus German); "OPT OUT", "opt-out" and "Stop!" count too. */
const STOP_WORDS = new Set([
  'STOP',
  'STOPP',
  'ABMELDEN',
  'UNSUBSCRIBE',
  'END',
  'QUIT',
  'CANCEL',
  'REVOKE',
  'OPTOUT',
  'STOPALL',
]);
const START_WORDS = new Set(['START', 'UNSTOP']);

/** Twilio's own default keywords: it blocks (or unblocks) the number and confirms by itself. */
export const TWILIO_STOP_WORDS = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'REVOKE',
]);
export const TWILIO_START_WORDS = new Set(['START', 'YES', 'UNSTOP']);

/** STOP or START as Twilio itself recognises it, which then answers the debtor itself. */
export function twilioOptOutType(body: string): 'STOP' | 'START' | undefined {
  const word = keyword(body);
  return TWILIO_STOP_WORDS.has(word) ? 'STOP' : TWILIO_START_WORDS.has(word) ? 'START' : undefined;
}

export function isStopKeyword(body: string): boolean {
  return STOP_WORDS.has(keyword(body));
}

export function isStartKeyword(body: string): boolean {
  return START_WORDS.has(keyword(body));
}
