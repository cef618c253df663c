import type { CtpLogger } from '@ctp/observability';
import type { MatchingModel } from '../domain/matching-model';
import { SHIPPED_MODEL } from '../domain/matching-model.shipped';
import type { StoredMatchingModel } from '../persistence/matching-model.repository';
import { ActiveMatchingModel, modelInUseOf } from './active-matching-model';

const refit = (version: string, over: Partial<MatchingModel> = {}): MatchingModel => ({
  ...SHIPPED_MODEL,
  version,
  weights: { ...SHIPPED_MODEL.weights, title: 0.5 },
  fittedOn: 'test',
  ...over,
});

const row = (model: unknown, appliedAt: string, over: Partial<StoredMatchingModel> = {}): StoredMatchingModel => ({
  version: (model as { version?: string }).version ?? 'no-version',
  model,
  appliedAt,
  appliedBy: 'analyst-jane',
  note: null,
  ...over,
});

/** An ActiveMatchingModel over rows in memory (newest first, as the repository answers), with its log lines. */
function setUp(rows: StoredMatchingModel[] = []) {
  const lines: { level: string; line: Record<string, unknown> }[] = [];
  const at = (level: string) => (line: Record<string, unknown>) => void lines.push({ level, line });
  const log = { info: at('info'), warn: at('warn'), error: at('error') } as unknown as CtpLogger;
  const repository = { rows, failing: false, reads: 0 };
  const models = new ActiveMatchingModel(
    {
      applied: async () => {
        repository.reads++;
        if (repository.failing) throw new Error('connection refused');
        return repository.rows;
      },
    },
    log,
    60_000,
  );
  return { models, repository, lines };
}

describe('ActiveMatchingModel', () => {
  let models: ActiveMatchingModel | undefined;
  afterEach(() => models?.onApplicationShutdown());

  it('is the shipped model when no model was applied', async () => {
    const s = setUp();
    models = s.models;
    expect(models.current()).toEqual({ model: SHIPPED_MODEL, source: 'shipped' });
    await models.onModuleInit();
    expect(models.current()).toEqual({ model: SHIPPED_MODEL, source: 'shipped' });
    expect(s.lines).toEqual([
      {
        level: 'info',
        line: expect.objectContaining({
          msg: 'matching model in use',
          version: SHIPPED_MODEL.version,
          source: 'shipped',
        }),
      },
    ]);
  });

  it('is the most recently applied model, with who applied it, when, and why', async () => {
    const newest = refit('refit-2', { intercept: 0.01 });
    const s = setUp([
      row(newest, '2026-02-01T00:00:00.000Z', { note: 'after the spring review' }),
      row(refit('refit-1'), '2026-01-01T00:00:00.000Z'),
    ]);
    models = s.models;
    await models.onModuleInit();
    expect(models.current()).toEqual({
      model: newest,
      source: 'applied',
      appliedAt: '2026-02-01T00:00:00.000Z',
      appliedBy: 'analyst-jane',
      note: 'after the spring review',
    });
  });

  it('follows a newly applied model at the next read, synchronously readable in between', async () => {
    const s = setUp([row(refit('refit-1'), '2026-01-01T00:00:00.000Z')]);
    models = s.models;
    await models.onModuleInit();
    s.repository.rows = [row(refit('refit-2'), '2026-02-01T00:00:00.000Z'), ...s.repository.rows];
    expect(models.current().model.version).toBe('refit-1');
    await models.refresh();
    expect(models.current().model.version).toBe('refit-2');
    expect(s.lines.at(-1)?.line).toMatchObject({
      msg: 'matching model in use',
      version: 'refit-2',
      previous: 'refit-1',
    });
  });

  it('ignores an invalid stored model, loudly and once: the one applied before it stays in use', async () => {
    const broken = { ...refit('refit-bad'), weights: { ...SHIPPED_MODEL.weights, title: -1 } };
    const s = setUp([row(broken, '2026-02-01T00:00:00.000Z'), row(refit('refit-1'), '2026-01-01T00:00:00.000Z')]);
    models = s.models;
    await models.onModuleInit();
    expect(models.current().model.version).toBe('refit-1');
    await models.refresh();
    const errors = s.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].line).toMatchObject({
      version: 'refit-bad',
      problems: ['weights.title: must be a number ≥ 0'],
      inUse: 'refit-1',
    });
    expect(String(errors[0].line.msg)).toMatch(/INVALID/);
  });

  it('keeps the shipped model when the only stored model is invalid', async () => {
    const s = setUp([row({ version: 'refit-bad', weights: {} }, '2026-02-01T00:00:00.000Z')]);
    models = s.models;
    await models.onModuleInit();
    expect(models.current()).toEqual({ model: SHIPPED_MODEL, source: 'shipped' });
    expect(s.lines.filter((l) => l.level === 'error')).toHaveLength(1);
  });

  it('keeps the model in use when a re-read fails, and fails the start when the first read does', async () => {
    const s = setUp([row(refit('refit-1'), '2026-01-01T00:00:00.000Z')]);
    models = s.models;
    await models.onModuleInit();
    s.repository.failing = true;
    await models.refresh();
    expect(models.current().model.version).toBe('refit-1');
    expect(s.lines.at(-1)).toMatchObject({ level: 'warn', line: { version: 'refit-1', err: 'connection refused' } });

    const failing = setUp();
    failing.repository.failing = true;
    await expect(failing.models.onModuleInit()).rejects.toThrow('connection refused');
  });

  it('reads once for callers that ask at the same time', async () => {
    const s = setUp();
    models = s.models;
    await Promise.all([models.refresh(), models.refresh(), models.refresh()]);
    expect(s.repository.reads).toBe(1);
  });
});

describe('modelInUseOf', () => {
  it("refuses a row whose model names another version than the row's", () => {
    const { inUse, ignored } = modelInUseOf([
      row(refit('refit-x'), '2026-01-01T00:00:00.000Z', { version: 'refit-y' }),
    ]);
    expect(inUse.source).toBe('shipped');
    expect(ignored).toEqual([
      {
        version: 'refit-y',
        appliedAt: '2026-01-01T00:00:00.000Z',
        problems: ['version: the row is "refit-y", its model "refit-x"'],
      },
    ]);
  });

  it('keeps only the model’s own fields, frozen', () => {
    const { inUse } = modelInUseOf([row({ ...refit('refit-1'), extra: 'ignored' }, '2026-01-01T00:00:00.000Z')]);
    expect(Object.keys(inUse.model).sort()).toEqual([
      'fittedOn',
      'intercept',
      'overlap',
      'thresholds',
      'version',
      'weights',
    ]);
    expect(Object.isFrozen(inUse.model.weights)).toBe(true);
    expect(Object.isFrozen(inUse.model.overlap?.weights)).toBe(true);
    // A model of the one-score form (no OVERLAP score of its own) is read as it is.
    const { overlap: _ignored, ...oneScore } = refit('refit-2');
    const older = modelInUseOf([row(oneScore, '2026-01-02T00:00:00.000Z')]).inUse.model;
    expect(older.overlap).toBeUndefined();
    expect(older.weights).toEqual(oneScore.weights);
    // A model stored before samePlace existed: still in use, weighing it 0.
    const { samePlace: _s, titleAndSamePlace: _t, ...before } = oneScore.weights;
    const upgraded = modelInUseOf([row({ ...oneScore, weights: before }, '2026-01-03T00:00:00.000Z')]);
    expect(upgraded.ignored).toEqual([]);
    expect(upgraded.inUse.model.weights).toMatchObject({ samePlace: 0, titleAndSamePlace: 0, title: before.title });
  });
});
