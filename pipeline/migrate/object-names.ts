// Names of objects that MySQL scopes to the database, not to the table: foreign key
// constraints (InnoDB, every server) and CHECK constraints (MySQL 8). One logical statement
// runs once per physical table of a database, so each copy gets its own name, derived from
// the written name and the physical table. Pure; verify.ts undoes the derivation to compare.
import { createHash } from 'node:crypto';

/** MySQL's identifier limit (constraint names included). */
export const MAX_IDENTIFIER = 64;
const SEPARATOR = '__';

const hash8 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 8);

/** The part of the derived name that says which physical table it belongs to. */
function tableTag(physicalTable: string): string {
  return physicalTable.length <= 40 ? physicalTable : `t${hash8(physicalTable)}`;
}

/**
 * `fk_item_order` on `t_order_item_3` -> `fk_item_order__t_order_item_3`. When that is over 64
 * characters the written name is cut and an 8-hex hash of the whole written name keeps it
 * unique: `<cut name>_<hash>__<table>` (exactly 64). A physical table name over 40
 * characters is itself replaced by `t<hash of it>`.
 */
export function physicalObjectName(name: string, physicalTable: string): string {
  const tag = tableTag(physicalTable);
  const full = `${name}${SEPARATOR}${tag}`;
  if (full.length <= MAX_IDENTIFIER) return full;
  const budget = MAX_IDENTIFIER - SEPARATOR.length - tag.length - 9;
  return `${name.slice(0, budget)}_${hash8(name)}${SEPARATOR}${tag}`;
}

/**
 * The comparable form of a (possibly derived) object name on `physicalTable`: the table tag
 * becomes `<table>`; a cut name becomes its hash (the cut length depends on the tag's).
 */
export function logicalObjectName(name: string, physicalTable: string): string {
  const suffix = `${SEPARATOR}${tableTag(physicalTable)}`;
  if (!name.endsWith(suffix)) return name;
  const written = name.slice(0, -suffix.length);
  const cut = name.length === MAX_IDENTIFIER ? /_([0-9a-f]{8})$/.exec(written) : null;
  return `${cut ? `<${cut[1]}>` : written}${SEPARATOR}<table>`;
}
