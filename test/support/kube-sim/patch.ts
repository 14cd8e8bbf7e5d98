// The four patch flavours the API server accepts. Strategic merge is approximated:
// JSON merge patch, except that lists of objects with a `name` key (containers, ports,
// env, volumes...) are merged item by item, and `$patch: delete|replace` is honoured.
import { parse as parseYaml } from 'yaml';
import { clone, isPlainObject } from './types.js';

export class PatchError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 422,
  ) {
    super(message);
  }
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/json-patch+json') return 'json';
  if (ct === 'application/merge-patch+json') return 'merge';
  if (ct === 'application/strategic-merge-patch+json') return 'strategic';
  if (ct === 'application/apply-patch+yaml') return 'apply';
  return undefined;
}

export function parsePatchBody(type: PatchType, body: string): unknown {
  try {
    return type === 'apply' ? (parseYaml(body) as unknown) : (JSON.parse(body) as unknown);
  } catch (e) {
    throw new PatchError(`couldn't parse patch body: ${(e as Error).message}`, 400);
  }
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function listMergeKey(items: unknown[]): string | undefined {
  if (items.length === 0 || !items.every(isPlainObject)) return undefined;
  for (const key of ['name', 'containerPort', 'port', 'mountPath', 'ip', 'type']) {
    if (items.every((i) => i[key] !== undefined)) return key;
  }
  return undefined;
}

export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const rest = { ...patch };
    delete rest.$patch;
    return clone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, unknown> = isPlainObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$') || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/') || k.startsWith('$retainKeys')) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (Array.isArray(v) && Array.isArray(cur)) {
      const key = listMergeKey([...cur, ...v.filter((i) => !(isPlainObject(i) && i.$patch === 'delete' && Object.keys(i).length === 1))]);
      if (key) {
        const merged = clone(cur) as Record<string, unknown>[];
        for (const item of v as Record<string, unknown>[]) {
          const idx = merged.findIndex((m) => m[key] === item[key]);
          if (item.$patch === 'delete') {
            if (idx >= 0) merged.splice(idx, 1);
          } else if (idx >= 0) merged[idx] = strategicMergePatch(merged[idx], item) as Record<string, unknown>;
          else merged.push(strategicMergePatch({}, item) as Record<string, unknown>);
        }
        out[k] = merged;
        continue;
      }
    }
    const next = strategicMergePatch(cur, v);
    if (next === undefined) delete out[k];
    else out[k] = next;
  }
  return out;
}

interface JsonPatchOp {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer "${path}"`, 422);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function walk(doc: unknown, parts: string[], path: string): unknown {
  let cur = doc;
  for (const p of parts) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isPlainObject(cur)) cur = cur[p];
    else cur = undefined;
    if (cur === undefined) throw new PatchError(`jsonpatch: path "${path}" does not exist`, 422);
  }
  return cur;
}

function getAt(doc: unknown, path: string): unknown {
  return walk(doc, pointer(path), path);
}

function removeAt(doc: unknown, path: string): unknown {
  const parts = pointer(path);
  const last = parts.pop();
  const parent = walk(doc, parts, path);
  if (last === undefined) throw new PatchError('jsonpatch: cannot remove the root', 422);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw new PatchError(`jsonpatch remove: index out of range in "${path}"`, 422);
    return parent.splice(i, 1)[0];
  }
  if (!isPlainObject(parent) || !(last in parent)) throw new PatchError(`jsonpatch remove operation does not apply: doc is missing path: "${path}"`, 422);
  const v = parent[last];
  delete parent[last];
  return v;
}

function addAt(doc: unknown, path: string, value: unknown, replace: boolean): unknown {
  const parts = pointer(path);
  const last = parts.pop();
  if (last === undefined) return clone(value);
  const parent = walk(doc, parts, path);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length || (replace && i >= parent.length)) {
      throw new PatchError(`jsonpatch: index out of range in "${path}"`, 422);
    }
    if (replace) parent[i] = clone(value);
    else parent.splice(i, 0, clone(value));
  } else if (isPlainObject(parent)) {
    if (replace && !(last in parent)) throw new PatchError(`jsonpatch replace operation does not apply: doc is missing key: "${path}"`, 422);
    parent[last] = clone(value);
  } else throw new PatchError(`jsonpatch: path "${path}" does not exist`, 422);
  return doc;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array of operations', 400);
  let doc = clone(target);
  for (const raw of ops as JsonPatchOp[]) {
    switch (raw.op) {
      case 'add':
        doc = addAt(doc, raw.path, raw.value, false);
        break;
      case 'replace':
        doc = addAt(doc, raw.path, raw.value, true);
        break;
      case 'remove':
        removeAt(doc, raw.path);
        break;
      case 'move': {
        const v = removeAt(doc, raw.from ?? '');
        doc = addAt(doc, raw.path, v, false);
        break;
      }
      case 'copy':
        doc = addAt(doc, raw.path, getAt(doc, raw.from ?? ''), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, raw.path)) !== JSON.stringify(raw.value)) {
          throw new PatchError(`testing value ${raw.path} failed`, 422);
        }
        break;
      default:
        throw new PatchError(`unexpected kind of JSON patch operation: "${String(raw.op)}"`, 400);
    }
  }
  return doc;
}

export function applyPatch(type: PatchType, target: unknown, patch: unknown): unknown {
  switch (type) {
    case 'json':
      return jsonPatch(target, patch);
    case 'merge':
      return mergePatch(target, patch);
    case 'strategic':
    case 'apply':
      // Server-side apply approximated as a strategic merge of the applied object
      // (field managers and ownership are not tracked).
      return strategicMergePatch(target, patch);
  }
}
