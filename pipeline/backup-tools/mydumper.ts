// mydumper/myloader behind the LogicalDumper port: one directory per database, one file per
// table (schema and data separately), loaded back by myloader into any database name.
import type { DumpRequest, LoadRequest, LogicalDumper } from '../backup/ports.js';
import { runTool } from './run-tool.js';

export class Mydumper implements LogicalDumper {
  async versions(): Promise<Record<string, string>> {
    const [d, l] = await Promise.all([runTool('mydumper', ['--version'], { what: 'version', node: 'local' }), runTool('myloader', ['--version'], { what: 'version', node: 'local' })]);
    return { mydumper: firstLine(d.stdout), myloader: firstLine(l.stdout) };
  }

  async dump(req: DumpRequest): Promise<void> {
    // --no-locks: the stage holds FLUSH TABLES <tables> WITH READ LOCK on its own session for
    // the dump, so the files, the checksums and the position it records are one state; a
    // global FTWRL would stall every database of the node instead of this one.
    await runTool(
      'mydumper',
      ['--database', req.database, '--tables-list', req.tables.join(','), '--outputdir', req.outDir, '--threads', String(req.threads), '--no-locks', '--build-empty-files', '--triggers', '--verbose', '1'],
      { access: req.access, what: `dump of ${req.database}`, node: req.node },
    );
  }

  async load(req: LoadRequest): Promise<void> {
    await runTool(
      'myloader',
      ['--directory', req.dir, '--source-db', req.sourceDatabase, '--database', req.targetDatabase, '--overwrite-tables', '--threads', String(req.threads), '--verbose', '1'],
      { access: req.access, what: `load of ${req.sourceDatabase} into ${req.targetDatabase}`, node: req.node },
    );
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]?.trim() ?? '';
}
