/// <reference types="handlebars" />

type Program = hbs.AST.Program;
type Statement = hbs.AST.Statement;
type PathExpression = hbs.AST.PathExpression;

/**
 * Checks that a parsed template uses only what the renderer supplies, judged against a sample of
 * the values (the same function builds the sample and the real values, so the two cannot drift):
 * `{{field}}` and `{{a.b}}` for known fields, `{{#each list}}…{{/each}}` over a known list (with
 * `{{@index}}`, `{{@first}}`, `{{@last}}` and `{{../field}}` inside), and `{{#if field}}` /
 * `{{#unless field}}` with `{{else}}`. No partials, no other helpers and no `{{{…}}}`: values are
 * escaped in HTML and an operator has no way to switch that off.
 *
 * Returns one problem per offending placeholder, e.g. `line 3: unknown placeholder {{debtorNme}}
 * (known: debtorName, total, …)`.
 */
export function placeholderProblems(program: Program, sample: object): string[] {
  const problems: string[] = [];
  const at = (node: hbs.AST.Node) => `line ${node.loc.start.line}`;

  const walk = (body: Statement[], scopes: unknown[]): void => {
    for (const statement of body) {
      switch (statement.type) {
        case 'ContentStatement':
        case 'CommentStatement':
          break;
        case 'MustacheStatement': {
          const node = statement as hbs.AST.MustacheStatement;
          const shown = `{{${node.escaped ? '' : '{'}${describe(node.path)}${node.escaped ? '' : '}'}}}`;
          if (!node.escaped) {
            problems.push(`${at(node)}: ${shown} is not allowed, write {{${describe(node.path)}}}`);
          } else if (node.params.length > 0 || node.hash?.pairs.length) {
            problems.push(`${at(node)}: ${shown}: helpers are not available, only placeholders`);
          } else {
            expectValue(node, node.path, scopes, 'leaf');
          }
          break;
        }
        case 'BlockStatement': {
          const node = statement as hbs.AST.BlockStatement;
          const helper = node.path.original;
          const [param, ...extra] = node.params;
          if (helper !== 'each' && helper !== 'if' && helper !== 'unless') {
            problems.push(`${at(node)}: {{#${helper}}} is not available (only #each, #if, #unless)`);
            break;
          }
          if (!param || extra.length > 0 || node.hash?.pairs.length) {
            problems.push(`${at(node)}: {{#${helper}}} takes exactly one placeholder`);
            break;
          }
          const value = expectValue(node, param, scopes, helper === 'each' ? 'list' : 'any');
          const inner = helper === 'each' && Array.isArray(value) ? [...scopes, value[0]] : scopes;
          if (value !== undefined) walk(node.program.body, inner);
          if (node.inverse) walk(node.inverse.body, scopes);
          break;
        }
        default:
          problems.push(
            `${at(statement)}: ${statement.type.replace(/Statement$/, '').toLowerCase()} is not allowed`,
          );
      }
    }
  };

  /** Resolves a placeholder against the scopes; records a problem and returns undefined when it does not fit. */
  const expectValue = (
    node: hbs.AST.Node,
    expression: hbs.AST.Expression,
    scopes: unknown[],
    want: 'leaf' | 'list' | 'any',
  ): unknown => {
    if (expression.type !== 'PathExpression') {
      problems.push(`${at(node)}: a literal is not a placeholder`);
      return undefined;
    }
    const path = expression as PathExpression;
    const found = resolve(path, scopes);
    const scope = path.data && path.parts[0] === 'root' ? scopes[0] : scopes[scopes.length - 1 - path.depth];
    if (found === undefined) {
      const known = fieldNames(scope).join(', ') || 'none';
      problems.push(`${at(node)}: unknown placeholder {{${path.original}}} (known here: ${known})`);
    } else if (want === 'list' && !Array.isArray(found)) {
      problems.push(`${at(node)}: {{${path.original}}} is not a list`);
    } else if (want === 'leaf' && (Array.isArray(found) || isRecord(found))) {
      problems.push(
        `${at(node)}: {{${path.original}}} is not a single value (try one of: ${fieldNames(found).join(', ')})`,
      );
    } else {
      return found;
    }
    return undefined;
  };

  walk(program.body, [sample]);
  return problems;
}

const LOOP_VARIABLES = new Set(['index', 'first', 'last']);

function resolve(path: PathExpression, scopes: unknown[]): unknown {
  let value: unknown;
  let parts = path.parts;
  if (path.data) {
    const [head, ...rest] = parts;
    if (head === 'root') {
      value = scopes[0];
      parts = rest;
    } else {
      // @index etc. exist only inside #each (the root scope is the only one outside).
      return scopes.length > 1 && head !== undefined && LOOP_VARIABLES.has(head) && rest.length === 0
        ? 'loop variable'
        : undefined;
    }
  } else {
    value = scopes[scopes.length - 1 - path.depth];
  }
  for (const part of parts) {
    if (!isRecord(value) || !Object.hasOwn(value, part)) return undefined;
    value = value[part];
  }
  return value;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** "total, creditor.name, creditor.email, invoices" */
function fieldNames(scope: unknown, prefix = ''): string[] {
  if (!isRecord(scope)) return [];
  return Object.entries(scope).flatMap(([key, value]) =>
    isRecord(value) ? fieldNames(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

function describe(expression: hbs.AST.Expression): string {
  return expression.type === 'PathExpression' ? (expression as PathExpression).original : expression.type;
}
