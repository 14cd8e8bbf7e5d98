// The gate's rule groups (rules/<group>/), as `gate.groups` and `gate --only` name them. Kept
// apart from the zod schemas: the CLI's flag parsing must not load zod (start-up time).
export const GATE_GROUPS = ['commit', 'diff', 'code', 'sql', 'dockerfile'] as const;
export type GateGroup = (typeof GATE_GROUPS)[number];
