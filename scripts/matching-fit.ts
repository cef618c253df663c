import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fitModel } from '../apps/platform/src/overlaps/domain/matching-fit';
import {
  evaluate,
  formatEvaluation,
  partOf,
  samplesOf,
} from '../apps/platform/src/overlaps/domain/matching-evaluation';
import type { MatchingModel } from '../apps/platform/src/overlaps/domain/matching-model';
import { SHIPPED_MODEL } from '../apps/platform/src/overlaps/domain/matching-model.shipped';
import { labelledCandidates } from '../test/fixtures/matching';
import { exitCodesHelp, HELP_OPTION, main as runMain, parseCommandLine } from './cli';

export const USAGE = `Usage: npm run matching:fit [-- --write [--version <name>]]

Fits the matching model on the calibration part of the labelled set (test/fixtures/matching) and prints its
precision, recall and F1 per class on both parts, next to the model in the code.

  --write     replace apps/platform/src/overlaps/domain/matching-model.shipped.ts with the fitted model
  --version   the fitted model's version (default shipped-<today>); a version names one model: a second fit the
              same day needs another (e.g. shipped-2026-12-03.2)
  -h, --help  this text

Examples:
  npm run matching:fit
  npm run matching:fit -- --write && npx prettier --write apps/platform/src/overlaps/domain/matching-model.shipped.ts
  npm run matching:fit -- --write --version shipped-2026-12-03.2

${exitCodesHelp('failed', { connects: false })}`;

function main(argv: readonly string[]): number {
  const args = parseCommandLine(argv, {
    options: { write: { type: 'boolean' }, version: { type: 'string' }, ...HELP_OPTION },
  });
  const pairs = labelledCandidates();
  const calibration = pairs.filter((p) => partOf(p.name) === 'calibration');
  const heldOut = pairs.filter((p) => partOf(p.name) === 'held-out');
  const samples = samplesOf(calibration);
  const fitted = fitModel(samples, {
    version: (args.values.version as string | undefined) ?? `shipped-${new Date().toISOString().slice(0, 10)}`,
    fittedOn: `${calibration.length} labelled pairs (calibration part of test/fixtures/matching; ${samples.length} scored)`,
  });
  const show = (label: string, m: MatchingModel) => {
    console.log(
      `\n== ${label}: ${m.version}\n${JSON.stringify({ weights: m.weights, intercept: m.intercept, overlap: m.overlap })}`,
    );
    console.log(formatEvaluation('calibration', evaluate(calibration, m)));
    console.log(formatEvaluation('held-out', evaluate(heldOut, m)));
  };
  show('in the code', SHIPPED_MODEL);
  show('fitted', fitted);
  if (args.values.write) {
    const file = join(__dirname, '../../apps/platform/src/overlaps/domain/matching-model.shipped.ts');
    writeFileSync(file, shippedSource(fitted));
    console.log(`\nwrote ${file} (run prettier on it)`);
  }
  return 0;
}

function shippedSource(m: MatchingModel): string {
  return `import type { MatchingModel } from './matching-model';

/**
 * The model in the code: used until an operator applies another (\`npm run matching:refit -- --apply\`).
 * Written by \`npm run matching:fit -- --write\` from the calibration part of the labelled set (test/fixtures/matching);
 * do not edit by hand — docs/matching.md.
 */
export const SHIPPED_MODEL: MatchingModel = ${JSON.stringify(m, null, 2)};
`;
}

if (require.main === module) runMain('matching:fit', USAGE, main);
