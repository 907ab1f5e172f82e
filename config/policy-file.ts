import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Policies } from '../activities/index.js';
import { creditorPolicySchema } from '../domain/claim/index.js';
import { contactPolicyConfigSchema } from '../domain/contact-policy/index.js';
import { segmentationConfigSchema } from '../domain/segmentation/config.js';
import { issueTexts } from './issue-texts.js';
import {
  applyStrategyOverrides,
  strategiesConfigSchema,
  StrategyConfigError,
} from '../domain/strategies/config.js';
import { defaultUnitCosts, unitCostsSchema } from '../domain/kpis/unit-costs.js';

/**
 * The policy file: segmentation thresholds, contact policy, strategy cadences and the creditor
 * policy (interest, fees, payment allocation), each section optional. YAML or JSON; every problem names the path of the bad field.
 */
const policyFileSchema = z.strictObject({
  segmentation: segmentationConfigSchema.prefault({}),
  contactPolicy: contactPolicyConfigSchema.prefault({}),
  strategies: strategiesConfigSchema.prefault({}),
  creditor: creditorPolicySchema.prefault({}),
  /** Unit costs per currency for the cost KPIs (`costs.EUR.smsSegment`, …). */
  costs: unitCostsSchema.default(defaultUnitCosts),
});

/**
 * The part of the policy file the cockpit edits and publishes as versions (PUT /v1/policies/draft):
 * segmentation thresholds, contact windows and caps, strategies (cadence, tone, channels, plan
 * limits). Creditor terms and unit costs stay in the file.
 */
export const policyDocumentSchema = policyFileSchema.pick({
  segmentation: true,
  contactPolicy: true,
  strategies: true,
});
export type PolicyDocument = z.output<typeof policyDocumentSchema>;

/** `base` with the document's sections in force; throws StrategyConfigError for an unknown step. */
export function withDocument(base: Pick<Policies, 'creditor' | 'costs'>, document: PolicyDocument): Policies {
  return {
    creditor: base.creditor,
    costs: base.costs,
    segmentation: document.segmentation,
    contactPolicy: document.contactPolicy,
    strategies: applyStrategyOverrides(document.strategies),
  };
}

export const DEFAULT_POLICY_FILES = ['mahnwerk.config.yaml', 'mahnwerk.config.yml', 'mahnwerk.config.json'];

export class PolicyFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration in ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PolicyFileError';
  }
}

export interface LoadedPolicies {
  /** The file in force, or undefined for the built-in defaults. */
  file: string | undefined;
  policies: Policies;
  /** The file's editable sections: policy version 0. */
  document: PolicyDocument;
}

export async function readPolicyFile(file: string): Promise<Policies> {
  return (await readPolicyFileAndDocument(file)).policies;
}

async function readPolicyFileAndDocument(file: string): Promise<Omit<LoadedPolicies, 'file'>> {
  const text = await readFile(file, 'utf8');
  const isJson = path.extname(file).toLowerCase() === '.json';
  let data: unknown;
  try {
    data = isJson ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new PolicyFileError(file, [`not valid ${isJson ? 'JSON' : 'YAML'}: ${(error as Error).message}`]);
  }
  const parsed = policyFileSchema.safeParse(data ?? {});
  if (!parsed.success) throw new PolicyFileError(file, issueTexts(parsed.error.issues));
  const { creditor, costs, ...document } = parsed.data;
  try {
    return { policies: withDocument({ creditor, costs }, document), document };
  } catch (error) {
    if (error instanceof StrategyConfigError) throw new PolicyFileError(file, [error.message]);
    throw error;
  }
}

/** The file named by MAHNWERK_CONFIG, else mahnwerk.config.{yaml,yml,json} here, else the defaults. */
export async function loadPolicies(configured: string | undefined): Promise<LoadedPolicies> {
  const file = configured ?? DEFAULT_POLICY_FILES.find((name) => existsSync(name));
  if (!file) {
    return { file: undefined, policies: defaultPolicies(), document: policyDocumentSchema.parse({}) };
  }
  return { file: path.resolve(file), ...(await readPolicyFileAndDocument(file)) };
}

export function defaultPolicies(): Policies {
  const { creditor, costs, ...document } = policyFileSchema.parse({});
  return withDocument({ creditor, costs }, document);
}
