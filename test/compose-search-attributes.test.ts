import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { searchAttributeDefinitions } from '../domain/search-attributes.js';

/**
 * docker-compose.yml registers the search attributes on its Temporal server with a shell loop; the
 * product adds missing ones at start-up too, but the loop is what an operator reads. It must name
 * every attribute the workflows upsert, with its type.
 */
describe('docker-compose.yml', () => {
  it('registers every search attribute with its type', () => {
    const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as unknown;
    const text = JSON.stringify(compose);
    const loop = /for spec in ([^;]+);/.exec(text)?.[1] ?? '';
    const registered = Object.fromEntries(
      [...loop.matchAll(/(\w+):(\w+)/g)].map(([, name, type]) => [name, type]),
    );
    expect(registered).toEqual(searchAttributeDefinitions);
  });
});
