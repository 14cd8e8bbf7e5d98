// Regenerates schema/shardship.schema.json from the zod schema (a test pins the two equal).
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../pipeline/config/schema.js';

writeFileSync(new URL('../schema/shardship.schema.json', import.meta.url), JSON.stringify(configJsonSchema(), null, 2) + '\n');
