/**
 * How many SMS segments a text costs, the way carriers and Twilio count them.
 *
 * GSM-7 (GSM 03.38) when every character is in the basic table or its extension table (an
 * extension character is sent as ESC + character and counts 2 septets); UCS-2 otherwise. A single
 * message holds 160 septets / 70 UCS-2 units; a concatenated one carries a 6-byte header per
 * segment, leaving 153 septets / 67 units. An escape pair or a UTF-16 surrogate pair (emoji) is
 * never split across two segments, so it moves to the next one whole.
 */
export interface SmsSegmentInfo {
  encoding: 'GSM-7' | 'UCS-2';
  /** 0 for an empty text. */
  segments: number;
  /** Length in the encoding's units: GSM-7 septets (extension characters 2), UCS-2 16-bit units (emoji 2). */
  characters: number;
}

const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** Reached through the escape character: each costs two septets. */
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

const LIMITS = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
} as const;

export function smsSegments(text: string): SmsSegmentInfo {
  const chars = [...text]; // code points
  const gsm = chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c));
  const encoding = gsm ? 'GSM-7' : 'UCS-2';
  // Units per code point: septets for GSM-7, UTF-16 code units for UCS-2 (what phones actually send).
  const units = chars.map((c) => (gsm ? (GSM_EXTENSION.has(c) ? 2 : 1) : c.length));
  const characters = units.reduce((sum, n) => sum + n, 0);
  const limit = LIMITS[encoding];
  if (characters === 0) return { encoding, segments: 0, characters };
  if (characters <= limit.single) return { encoding, segments: 1, characters };

  let segments = 1;
  let used = 0;
  for (const n of units) {
    if (used + n > limit.multi) {
      segments += 1;
      used = 0;
    }
    used += n;
  }
  return { encoding, segments, characters };
}
