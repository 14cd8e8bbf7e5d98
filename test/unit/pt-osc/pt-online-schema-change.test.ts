// The pure halves of the pt-online-schema-change adapter: its command line, its progress lines,
// what an interrupted run leaves behind; and the ALTER specifications the executor hands it.
import { describe, expect, it } from 'vitest';
import { PtOscConfig } from '../../../pipeline/config/migrate.js';
import { copyAlterSpecs } from '../../../pipeline/migrate/online-schema-change.js';
import { leftovers, parseProgress, ptOscArgs } from '../../../pipeline/pt-osc/pt-online-schema-change.js';

const req = { endpoint: { host: '127.0.0.1', port: 3307, user: 'app' }, database: 'loan_0', table: 't_order_3', alter: 'MODIFY amount DECIMAL(14,2) NOT NULL', lockWaitSeconds: 5, defaultsFile: '/tmp/x/client.cnf' };

describe('ptOscArgs', () => {
  it('passes the throttling config as pt-osc options, the password only through the defaults file', () => {
    const args = ptOscArgs(PtOscConfig.parse({ chunkTime: '0s', chunkSize: 2000, sleep: '50ms', maxLoad: 'Threads_running=10', maxLag: '2s' }), req);
    expect(args[0]).toBe('--defaults-file=/tmp/x/client.cnf');
    const opt = (name: string) => args[args.indexOf(name) + 1];
    expect(opt('--alter')).toBe('MODIFY amount DECIMAL(14,2) NOT NULL');
    expect(opt('--chunk-time')).toBe('0');
    expect(opt('--chunk-size')).toBe('2000');
    expect(opt('--sleep')).toBe('0.05');
    expect(opt('--max-load')).toBe('Threads_running=10');
    expect(opt('--critical-load')).toBe('Threads_running=50');
    expect(opt('--max-lag')).toBe('2');
    expect(opt('--set-vars')).toBe('lock_wait_timeout=5');
    expect(args).toContain('--execute');
    expect(args.at(-1)).toBe('h=127.0.0.1,P=3307,u=app,D=loan_0,t=t_order_3');
    expect(args.join(' ')).not.toMatch(/p=|password/);
  });

  it('leaves out options that are not configured', () => {
    const args = ptOscArgs(PtOscConfig.parse({}), req);
    expect(args).not.toContain('--chunk-size');
    expect(args).not.toContain('--sleep');
    expect(args).not.toContain('--max-lag');
    expect(args[args.indexOf('--chunk-time') + 1]).toBe('0.5');
  });

  it('refuses names its DSN syntax cannot carry', () => {
    expect(() => ptOscArgs(PtOscConfig.parse({}), { ...req, table: 'a,b' })).toThrow(/comma/);
  });

  it('config rejects a load threshold pt-osc would not understand', () => {
    expect(PtOscConfig.safeParse({ maxLoad: 'Threads_running>25' }).success).toBe(false);
  });
});

describe('parseProgress', () => {
  it('reads pt-osc progress lines', () => {
    expect(parseProgress('Copying `loan_0`.`t_order_0`:  45% 00:10 remain')).toEqual({ percent: 45, remaining: '00:10 remain' });
    expect(parseProgress('Copying `a`.`b`:   3% 01:02:03 remain')).toEqual({ percent: 3, remaining: '01:02:03 remain' });
    expect(parseProgress('2026-12-04T21:41:39 Copying approximately 20001 rows...')).toBeUndefined();
    expect(parseProgress('Created new table d._t_new OK.')).toBeUndefined();
  });
});

describe('leftovers', () => {
  it("finds pt-osc's triggers and its shadow tables of this table only", () => {
    const found = leftovers('t_order_1', ['pt_osc_loan_0_t_order_1_ins', 'pt_osc_loan_0_t_order_1_upd', 'audit_trigger'], ['_t_order_1_new', '__t_order_1_new', '_t_order_1_old', '_t_order_10_new', 't_order_1', '_t_order_1_news']);
    expect(found.triggers).toEqual(['pt_osc_loan_0_t_order_1_ins', 'pt_osc_loan_0_t_order_1_upd']);
    expect(found.tables).toEqual(['_t_order_1_new', '__t_order_1_new', '_t_order_1_old']);
  });
});

describe('copyAlterSpecs', () => {
  it('takes what follows the table name, without ALGORITHM/LOCK and comments, literals byte for byte', () => {
    expect(copyAlterSpecs('ALTER TABLE `t_order_0` MODIFY amount DECIMAL(14,2) NOT NULL, ALGORITHM=COPY')).toBe('MODIFY amount DECIMAL(14,2) NOT NULL');
    expect(copyAlterSpecs("ALTER TABLE loan_0.t_order_0 /* why */ MODIFY note VARCHAR(80) DEFAULT 'a, LOCK=NONE -- /*x*/' COMMENT 'b;c', LOCK = SHARED;")).toBe("MODIFY note VARCHAR(80) DEFAULT 'a, LOCK=NONE -- /*x*/' COMMENT 'b;c'");
    expect(copyAlterSpecs('ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 -- trailing\n')).toBe('CONVERT TO CHARACTER SET utf8mb4');
    expect(copyAlterSpecs('ALTER TABLE t ALGORITHM=INPLACE')).toBeUndefined();
    expect(copyAlterSpecs('CREATE INDEX i ON t (a)')).toBeUndefined();
  });
});
