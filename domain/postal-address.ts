import { z } from 'zod';
import { trimmedText } from './text.js';

/**
 * A postal address for letters. Postcodes are checked for the countries Mahnwerk writes to most
 * (DE, AT, CH, US, GB); elsewhere only their shape (letters, digits, space, hyphen).
 */
const POSTCODES: Record<string, { pattern: RegExp; example: string }> = {
  DE: { pattern: /^\d{5}$/, example: '10115' },
  AT: { pattern: /^\d{4}$/, example: '1010' },
  CH: { pattern: /^\d{4}$/, example: '8001' },
  US: { pattern: /^\d{5}(-\d{4})?$/, example: '10001 or 10001-1234' },
  GB: { pattern: /^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$/, example: 'SW1A 1AA' },
};
const ANY_POSTCODE = /^[A-Z0-9][A-Z0-9 -]{1,10}$/;

/** The postcode rule per country in the OpenAPI document (letters in either case: they are upper-cased). */
const anyCase = (pattern: RegExp) => pattern.source.replaceAll('[A-Z', '[A-Za-z');
const documentedPostcodes = {
  anyOf: [
    ...Object.entries(POSTCODES).map(([country, { pattern }]) => ({
      properties: { country: { enum: [country] }, postcode: { pattern: anyCase(pattern) } },
    })),
    {
      properties: {
        country: { not: { enum: Object.keys(POSTCODES) } },
        postcode: { pattern: anyCase(ANY_POSTCODE) },
      },
    },
  ],
};

const line = (max: number) => trimmedText(1, max);

export const postalAddressSchema = z
  .strictObject({
    street: line(100),
    houseNumber: line(20),
    postcode: z.string().trim().toUpperCase(),
    city: line(80),
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as DE'),
  })
  .superRefine((a, ctx) => {
    const rule = POSTCODES[a.country];
    if (rule ? !rule.pattern.test(a.postcode) : !ANY_POSTCODE.test(a.postcode)) {
      ctx.addIssue({
        code: 'custom',
        path: ['postcode'],
        message: rule ? `not a ${a.country} postcode (e.g. ${rule.example})` : 'not a postcode',
        // The document states the postcodes per country too (below): breaking the rule is malformed.
        params: { inDocument: true },
      });
    }
  })
  .meta(documentedPostcodes);
export type PostalAddress = z.output<typeof postalAddressSchema>;

/** The lines of the window-envelope field (DIN 5008): recipient, street, postcode and city, country abroad. */
export function addressLines(name: string, a: PostalAddress, senderCountry: string): string[] {
  const city =
    a.country === 'US' || a.country === 'GB' ? `${a.city} ${a.postcode}` : `${a.postcode} ${a.city}`;
  const street =
    a.country === 'US' || a.country === 'GB'
      ? `${a.houseNumber} ${a.street}`
      : `${a.street} ${a.houseNumber}`;
  const country = new Intl.DisplayNames(['en'], { type: 'region' }).of(a.country) ?? a.country;
  return [name, street, city, ...(a.country === senderCountry ? [] : [country.toUpperCase()])];
}
