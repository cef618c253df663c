import { runTool, UsageError } from './cli';
import { DEFAULT_REBUILD_DATABASE, parseRebuildArgs, USAGE } from './platform-rebuild';

describe('platform:rebuild command line', () => {
  it('defaults: its own database, dropped afterwards, 30 minutes', () => {
    expect(parseRebuildArgs([])).toEqual({
      targetDatabase: DEFAULT_REBUILD_DATABASE,
      keep: false,
      timeoutMs: 1_800_000,
    });
  });

  it('reads --database, --keep and --timeout', () => {
    expect(parseRebuildArgs(['--database', 'ctp_check', '--keep', '--timeout', '2h'])).toEqual({
      targetDatabase: 'ctp_check',
      keep: true,
      timeoutMs: 7_200_000,
    });
  });

  it.each([
    [['--dry-run'], "Unknown option '--dry-run'"],
    [['--database'], "Option '--database <value>' argument missing"],
    [['--database', 'x"; DROP'], 'letters, digits and _'],
    [['--timeout', 'soon'], 'a duration like 90s'],
    [['--timeout', '0m'], 'a duration like 90s'],
    [['--keep=yes'], "Option '--keep' does not take an argument"],
    [['now'], "Unexpected argument 'now'"],
  ])('refuses %j (exit 2)', (argv, message) => {
    expect(() => parseRebuildArgs(argv)).toThrow(UsageError);
    expect(() => parseRebuildArgs(argv)).toThrow(message);
  });

  it('--help answers with the usage, examples and exit codes, and starts nothing', async () => {
    let stdout = '';
    const rebuild = jest.fn(() => 0);
    const code = await runTool('platform:rebuild', USAGE, ['--help'], rebuild, {
      stdout: (t) => (stdout += t),
      stderr: () => undefined,
    });
    expect(code).toBe(0);
    expect(rebuild).not.toHaveBeenCalled();
    expect(stdout).toContain('Usage: npm run platform:rebuild [-- --database <name>] [--keep] [--timeout <duration>]');
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('1  the rebuilt read model differs from the live one, or the rebuild failed');
    expect(stdout).toContain('3  cannot connect');
  });

  it('an unknown option: exit 2 with the usage', async () => {
    let stderr = '';
    const code = await runTool('platform:rebuild', USAGE, ['--frob'], (argv) => parseRebuildArgs(argv) && 0, {
      stdout: () => undefined,
      stderr: (t) => (stderr += t),
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^platform:rebuild: Unknown option '--frob'/);
    expect(stderr).toContain('Usage: npm run platform:rebuild');
  });
});
