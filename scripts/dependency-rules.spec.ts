import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

// The layer rules of .dependency-cruiser.js (`npm run lint:deps`), run by the real dependency-cruiser CLI with the real
// config on a small tree laid out like this repository: the tree as laid passes, and each forbidden import dropped into
// it makes the run fail with the rule it breaks.

const ROOT = resolve(__dirname, '..');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.js');
const LIBS = ['contracts', 'observability', 'persistence', 'messaging', 'auth', 'http'];

/** A tree that keeps every rule: two features with all their layers, a port, a second app, the libs in their order. */
const CLEAN_TREE: Record<string, string> = {
  'libs/contracts/src/index.ts': `export const CONTRACT = 'v1';\n`,
  'libs/observability/src/index.ts': `import { CONTRACT } from '@ctp/contracts';\nexport const LOG = CONTRACT;\n`,
  'libs/persistence/src/index.ts': `import { LOG } from '@ctp/observability';\nexport const TX = LOG;\n`,
  'libs/messaging/src/index.ts': `import { TX } from '@ctp/persistence';\nexport const BUS = TX;\n`,
  'libs/auth/src/index.ts': `import { LOG } from '@ctp/observability';\nexport const TOKEN = LOG;\n`,
  'libs/http/src/index.ts':
    `import { TOKEN } from '@ctp/auth';\nimport { BUS } from '@ctp/messaging';\n` +
    `export const EDGE = TOKEN + BUS;\n`,
  'apps/svc/src/orders/domain/order.ts': `import { CONTRACT } from '@ctp/contracts';\nexport const ORDER = CONTRACT;\n`,
  'apps/svc/src/orders/persistence/order.repository.ts':
    `import { Repository } from 'typeorm';\nimport { ORDER } from '../domain/order';\n` +
    `export type Rows = Repository<object>;\nexport const ROW = ORDER;\n`,
  'apps/svc/src/orders/application/order-changes.ts': `export const ORDER_CHANGES = 'changed';\n`,
  'apps/svc/src/orders/application/place-order.ts':
    `import { BUS } from '@ctp/messaging';\nimport { ROW } from '../persistence/order.repository';\n` +
    `import { ORDER_CHANGES } from './order-changes';\nexport const PLACE = ROW + BUS + ORDER_CHANGES;\n`,
  'apps/svc/src/orders/http/orders.controller.ts':
    `import { Controller } from '@nestjs/common';\nimport { PLACE } from '../application/place-order';\n` +
    `@Controller()\nexport class OrdersController {\n  readonly place = PLACE;\n}\n`,
  'apps/svc/src/orders/messaging/orders.handler.ts': `import { PLACE } from '../application/place-order';\nexport const HANDLE = PLACE;\n`,
  'apps/svc/src/billing/application/bill.ts':
    `import { ORDER_CHANGES } from '../../orders/application/order-changes';\n` +
    `import { ORDER } from '../../orders/domain/order';\nexport const BILL = ORDER + ORDER_CHANGES;\n`,
  'apps/svc/src/svc.module.ts':
    `import { BILL } from './billing/application/bill';\nimport { ROW } from './orders/persistence/order.repository';\n` +
    `import { OrdersController } from './orders/http/orders.controller';\n` +
    `export const WIRED = [BILL, ROW, OrdersController];\n`,
  'apps/other/src/main.ts': `import { EDGE } from '@ctp/http';\nexport const MAIN = EDGE;\n`,
  'scripts/tool.ts': `import { CONTRACT } from '@ctp/contracts';\nexport const TOOL = CONTRACT;\n`,
};

/** One forbidden import each, and the rule (with its violating dependency) the run must fail on. */
const FORBIDDEN: { rule: string; files: Record<string, string>; from: string; to: string }[] = [
  {
    rule: 'no-circular',
    files: {
      'apps/svc/src/orders/domain/a.ts': `import { B } from './b';\nexport const A = () => B;\n`,
      'apps/svc/src/orders/domain/b.ts': `import { A } from './a';\nexport const B = () => A;\n`,
    },
    from: 'apps/svc/src/orders/domain/a.ts',
    to: 'apps/svc/src/orders/domain/b.ts',
  },
  {
    rule: 'domain-no-framework',
    files: {
      'apps/svc/src/orders/domain/bad.ts': `import { Injectable } from '@nestjs/common';\nexport { Injectable };\n`,
    },
    from: 'apps/svc/src/orders/domain/bad.ts',
    to: 'node_modules/@nestjs/common/',
  },
  {
    rule: 'domain-no-framework',
    files: {
      'apps/svc/src/orders/domain/bad.ts': `import type { DataSource } from 'typeorm';\nexport type D = DataSource;\n`,
    },
    from: 'apps/svc/src/orders/domain/bad.ts',
    to: 'node_modules/typeorm/',
  },
  {
    rule: 'domain-no-framework',
    files: { 'apps/svc/src/orders/domain/bad.ts': `import { TX } from '@ctp/persistence';\nexport const T = TX;\n` },
    from: 'apps/svc/src/orders/domain/bad.ts',
    to: 'libs/persistence/src/index.ts',
  },
  {
    rule: 'domain-no-outer-layers',
    files: {
      'apps/svc/src/orders/domain/bad.ts': `import { ROW } from '../persistence/order.repository';\nexport const R = ROW;\n`,
    },
    from: 'apps/svc/src/orders/domain/bad.ts',
    to: 'apps/svc/src/orders/persistence/order.repository.ts',
  },
  {
    rule: 'edge-no-persistence',
    files: {
      'apps/svc/src/orders/http/bad.ts': `import { ROW } from '../persistence/order.repository';\nexport const R = ROW;\n`,
    },
    from: 'apps/svc/src/orders/http/bad.ts',
    to: 'apps/svc/src/orders/persistence/order.repository.ts',
  },
  {
    rule: 'edge-no-persistence',
    files: {
      'apps/svc/src/orders/messaging/bad.ts': `import type { Rows } from '../persistence/order.repository';\nexport type R = Rows;\n`,
    },
    from: 'apps/svc/src/orders/messaging/bad.ts',
    to: 'apps/svc/src/orders/persistence/order.repository.ts',
  },
  {
    rule: 'edges-apart',
    files: {
      'apps/svc/src/orders/http/bad-edge.ts': `import { HANDLE } from '../messaging/orders.handler';\nexport const H = HANDLE;\n`,
    },
    from: 'apps/svc/src/orders/http/bad-edge.ts',
    to: 'apps/svc/src/orders/messaging/orders.handler.ts',
  },
  {
    rule: 'edges-apart-messaging',
    files: {
      'apps/svc/src/orders/messaging/bad-edge.ts': `import { OrdersController } from '../http/orders.controller';\nexport const C = OrdersController;\n`,
    },
    from: 'apps/svc/src/orders/messaging/bad-edge.ts',
    to: 'apps/svc/src/orders/http/orders.controller.ts',
  },
  {
    rule: 'application-no-edges',
    files: {
      'apps/svc/src/orders/application/bad.ts': `import { HANDLE } from '../messaging/orders.handler';\nexport const H = HANDLE;\n`,
    },
    from: 'apps/svc/src/orders/application/bad.ts',
    to: 'apps/svc/src/orders/messaging/orders.handler.ts',
  },
  {
    rule: 'persistence-no-upper-layers',
    files: {
      'apps/svc/src/orders/persistence/bad.ts': `import { PLACE } from '../application/place-order';\nexport const P = PLACE;\n`,
    },
    from: 'apps/svc/src/orders/persistence/bad.ts',
    to: 'apps/svc/src/orders/application/place-order.ts',
  },
  {
    rule: 'no-cross-feature-internals',
    files: {
      'apps/svc/src/billing/application/bad.ts': `import { PLACE } from '../../orders/application/place-order';\nexport const P = PLACE;\n`,
    },
    from: 'apps/svc/src/billing/application/bad.ts',
    to: 'apps/svc/src/orders/application/place-order.ts',
  },
  {
    rule: 'no-cross-feature-internals',
    files: {
      'apps/svc/src/billing/billing.module.ts': `import { ROW } from '../orders/persistence/order.repository';\nexport const R = ROW;\n`,
    },
    from: 'apps/svc/src/billing/billing.module.ts',
    to: 'apps/svc/src/orders/persistence/order.repository.ts',
  },
  {
    rule: 'no-app-to-other-app',
    files: {
      'apps/other/src/bad.ts': `import { ORDER } from '../../svc/src/orders/domain/order';\nexport const O = ORDER;\n`,
    },
    from: 'apps/other/src/bad.ts',
    to: 'apps/svc/src/orders/domain/order.ts',
  },
  {
    rule: 'no-lib-to-app',
    files: {
      'libs/messaging/src/bad.ts': `import { ORDER } from '../../../apps/svc/src/orders/domain/order';\nexport const O = ORDER;\n`,
    },
    from: 'libs/messaging/src/bad.ts',
    to: 'apps/svc/src/orders/domain/order.ts',
  },
  {
    rule: 'lib-by-package-name',
    files: {
      'apps/other/src/bad.ts': `import { CONTRACT } from '../../../libs/contracts/src/index';\nexport const C = CONTRACT;\n`,
    },
    from: 'apps/other/src/bad.ts',
    to: 'libs/contracts/src/index.ts',
  },
  {
    rule: 'lib-by-package-name',
    files: {
      'libs/contracts/src/deep.ts': `export const DEEP = 1;\n`,
      'scripts/bad.ts': `import { DEEP } from '@ctp/contracts/src/deep';\nexport const D = DEEP;\n`,
    },
    from: 'scripts/bad.ts',
    to: 'libs/contracts/src/deep.ts',
  },
  {
    rule: 'lib-by-package-name-between-libs',
    files: {
      'libs/messaging/src/bad.ts': `import { LOG } from '../../observability/src/index';\nexport const L = LOG;\n`,
    },
    from: 'libs/messaging/src/bad.ts',
    to: 'libs/observability/src/index.ts',
  },
  {
    rule: 'lib-order-contracts',
    files: { 'libs/contracts/src/bad.ts': `import { LOG } from '@ctp/observability';\nexport const L = LOG;\n` },
    from: 'libs/contracts/src/bad.ts',
    to: 'libs/observability/src/index.ts',
  },
  {
    rule: 'lib-order-persistence',
    files: { 'libs/persistence/src/bad.ts': `import { BUS } from '@ctp/messaging';\nexport const B = BUS;\n` },
    from: 'libs/persistence/src/bad.ts',
    to: 'libs/messaging/src/index.ts',
  },
  {
    rule: 'lib-order-messaging',
    files: { 'libs/messaging/src/bad.ts': `import { EDGE } from '@ctp/http';\nexport const E = EDGE;\n` },
    from: 'libs/messaging/src/bad.ts',
    to: 'libs/http/src/index.ts',
  },
  {
    rule: 'lib-order-messaging',
    files: { 'libs/messaging/src/bad.ts': `import { TOKEN } from '@ctp/auth';\nexport const T = TOKEN;\n` },
    from: 'libs/messaging/src/bad.ts',
    to: 'libs/auth/src/index.ts',
  },
];

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** The run as `npm run lint:deps` does it (default `err` output), in `root`: its exit status and what it printed. */
function cruise(root: string): { status: number; output: string } {
  try {
    const output = execFileSync(process.execPath, [DEPCRUISE, 'apps', 'libs', 'scripts', '--config', CONFIG], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { status: 0, output };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { status: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

/** The violation reported for `from` under `rule` (a cycle's members follow on the next lines), if any. */
function reported(output: string, rule: string, from: string): string | undefined {
  const start = output.indexOf(`error ${rule}: ${from} → `);
  if (start < 0) return undefined;
  const next = output.indexOf('\n  error ', start + 1);
  return output.slice(start, next < 0 ? undefined : next);
}

/** A fresh tree in a temp folder: `files` over the clean tree, with npm's links and a tsconfig.json like ours. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'ctp-depcruise-'));
  write(root, { ...CLEAN_TREE, ...files });
  write(root, {
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        module: 'node16',
        moduleResolution: 'node16',
        experimentalDecorators: true,
        baseUrl: './',
        paths: Object.fromEntries(LIBS.map((lib) => [`@ctp/${lib}`, [`libs/${lib}/src`]])),
      },
    }),
  });
  // As in the repository: npm's workspace links for the libs, the real packages for the rest.
  mkdirSync(join(root, 'node_modules/@ctp'), { recursive: true });
  for (const lib of LIBS) symlinkSync(join(root, 'libs', lib), join(root, 'node_modules/@ctp', lib), 'dir');
  for (const pkg of ['@nestjs', 'typeorm'])
    symlinkSync(join(ROOT, 'node_modules', pkg), join(root, 'node_modules', pkg));
  return root;
}

// Each case's bad.ts gets a name of its own, so that all of them fit in one tree and one run (a run costs seconds).
const CASES = FORBIDDEN.map((c, i) => {
  const rename = (path: string) => path.replace(/\/bad\.ts$/, `/bad${i}.ts`);
  return {
    ...c,
    from: rename(c.from),
    files: Object.fromEntries(Object.entries(c.files).map(([path, text]) => [rename(path), text])),
  };
});

describe('dependency rules (.dependency-cruiser.js, npm run lint:deps)', () => {
  const roots: string[] = [];
  const run = (files: Record<string, string>) => {
    roots.push(tree(files));
    return cruise(roots[roots.length - 1]);
  };

  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  it('passes the tree that keeps the layers (a feature may use another feature’s port and domain)', () => {
    const { status, output } = run({});
    expect(output).toContain('no dependency violations found');
    expect(status).toBe(0);
  });

  it('fails on a single forbidden import (domain/ importing @nestjs/common)', () => {
    const { status, output } = run(FORBIDDEN[1].files);
    expect(reported(output, 'domain-no-framework', FORBIDDEN[1].from)).toContain(FORBIDDEN[1].to);
    expect(output).toMatch(/x 1 dependency violations \(1 errors, 0 warnings\)/);
    expect(status).not.toBe(0);
  });

  describe('with every forbidden import dropped in', () => {
    let result: { status: number; output: string };
    beforeAll(() => {
      result = run(Object.assign({}, ...CASES.map((c) => c.files)));
    });

    it('fails', () => expect(result.status).not.toBe(0));

    it.each(CASES.map((c) => [c.rule, c.from, c.to, c] as const))('reports %s: %s → %s', (_rule, _from, _to, c) => {
      const found = reported(result.output, c.rule, c.from);
      expect({ found, output: result.output }).toEqual({ found: expect.stringContaining(c.to), output: result.output });
    });

    it('reports nothing else', () => {
      expect(result.output).toContain(`x ${CASES.length} dependency violations (${CASES.length} errors, 0 warnings)`);
    });
  });
});
