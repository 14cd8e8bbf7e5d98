// Regenerates the published JSON Schemas from their zod schemas (tests pin each equal):
// shardship.yaml, and the `gate --json` document.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../pipeline/config/schema.js';
import { gateReportJsonSchema } from '../pipeline/gate/report/json.js';

const write = (name: string, schema: Record<string, unknown>) => writeFileSync(new URL(`../schema/${name}`, import.meta.url), JSON.stringify(schema, null, 2) + '\n');
write('shardship.schema.json', configJsonSchema());
write('gate-report.schema.json', gateReportJsonSchema());
