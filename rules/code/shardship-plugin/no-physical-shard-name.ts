// Code must use logical table names (t_order); a physical shard name (t_order_7) in a
// string bypasses routing and breaks when shards move.
import type { Rule } from 'eslint';
import type { Literal, TemplateElement } from 'estree';
import { optionsSchema, readOptions } from './options.js';

export const noPhysicalShardName: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: { description: 'Use logical table names, never physical shard names like t_order_7' },
    schema: optionsSchema as unknown as Rule.RuleMetaData['schema'],
    messages: { physical: '{{name}} is a physical shard table name: use the logical table name' },
  },
  create(context) {
    const names = new Set(readOptions(context.options[0]).physicalNames);
    if (!names.size) return {};
    const check = (node: Literal | TemplateElement, text: string): void => {
      const seen = new Set<string>();
      for (const m of text.matchAll(/[A-Za-z0-9_$]+/g)) {
        if (names.has(m[0]) && !seen.has(m[0])) {
          seen.add(m[0]);
          context.report({ node, messageId: 'physical', data: { name: m[0] } });
        }
      }
    };
    return {
      Literal(node: Literal) {
        if (typeof node.value === 'string') check(node, node.value);
      },
      TemplateElement(node: TemplateElement) {
        check(node, node.value.cooked ?? node.value.raw);
      },
    };
  },
};
