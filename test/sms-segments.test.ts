import { describe, expect, it } from 'vitest';
import { smsSegments } from '../channels/sms/segments.js';

const a = (n: number) => 'a'.repeat(n);
const euro = (n: number) => '€'.repeat(n);
const polish = (n: number) => 'ł'.repeat(n); // not in GSM 03.38: forces UCS-2

describe('smsSegments', () => {
  it.each([
    // [label, text, encoding, segments, characters]
    ['empty text', '', 'GSM-7', 0, 0],
    ['plain ASCII', 'Hallo', 'GSM-7', 1, 5],
    ['German umlauts and ß are in the basic table', 'Grüße, Ihre Zahlung ist fällig', 'GSM-7', 1, 30],
    ['newline and carriage return are basic', 'a\r\nb', 'GSM-7', 1, 4],
    ['Ç is basic', 'Ç', 'GSM-7', 1, 1],
    ['€ is an extension character: 2 septets', 'Offen: 12,50 €', 'GSM-7', 1, 15],
    ['every extension character counts 2', '^{}\\[~]|€\f', 'GSM-7', 1, 20],
    ['160 septets fit one message', a(160), 'GSM-7', 1, 160],
    ['161 septets need two segments of ≤ 153', a(161), 'GSM-7', 2, 161],
    ['306 septets: exactly two segments', a(306), 'GSM-7', 2, 306],
    ['307 septets: three segments', a(307), 'GSM-7', 3, 307],
    ['80 € fill a single message (160 septets)', euro(80), 'GSM-7', 1, 160],
    ['81 € (162 septets) split into two', euro(81), 'GSM-7', 2, 162],
    // 152 + (escape pair moved whole) → segment 1 holds 152, segment 2 holds 76 € (152), the 77th € a third.
    ['an escape pair is never split across segments', a(152) + euro(77), 'GSM-7', 3, 306],
    ['ç (small) is not GSM: UCS-2', 'ç', 'UCS-2', 1, 1],
    ['one non-GSM character switches the whole text', `${a(100)}ł`, 'UCS-2', 2, 101],
    ['70 UCS-2 units fit one message', polish(70), 'UCS-2', 1, 70],
    ['71 UCS-2 units need two segments of ≤ 67', polish(71), 'UCS-2', 2, 71],
    ['134 UCS-2 units: exactly two segments', polish(134), 'UCS-2', 2, 134],
    ['135 UCS-2 units: three segments', polish(135), 'UCS-2', 3, 135],
    ['an emoji is a surrogate pair: 2 units', '😀', 'UCS-2', 1, 2],
    ['35 emoji = 70 units: one message', '😀'.repeat(35), 'UCS-2', 1, 70],
    ['36 emoji: 33 per segment (a pair is not split)', '😀'.repeat(36), 'UCS-2', 2, 72],
    ['a surrogate pair moves whole to the next segment', `${polish(66)}😀${polish(66)}`, 'UCS-2', 3, 134],
    ['Cyrillic', 'Оплатите счёт', 'UCS-2', 1, 13],
  ] as const)('%s', (_label, text, encoding, segments, characters) => {
    expect(smsSegments(text)).toEqual({ encoding, segments, characters });
  });
});
