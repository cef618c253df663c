import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
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

const USAGE = `Usage: npm run matching:fit [-- --write]

Fits the matching model on the calibration part of the labelled set (test/fixtures/matching) and prints its
precision, recall and F1 per class on both parts, next to the model in the code.

  --write   replace apps/platform/src/overlaps/domain/matching-model.shipped.ts with the fitted model
  --help    this text

Exit codes: 0 done; 2 bad arguments.`;

function main(): number {
  let args;
  try {
    args = parseArgs({ options: { write: { type: 'boolean' }, help: { type: 'boolean' } }, strict: true });
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  const pairs = labelledCandidates();
  const calibration = pairs.filter((p) => partOf(p.name) === 'calibration');
  const heldOut = pairs.filter((p) => partOf(p.name) === 'held-out');
  const samples = samplesOf(calibration);
  const fitted = fitModel(samples, {
    version: `shipped-${new Date().toISOString().slice(0, 10)}`,
    fittedOn: `${calibration.length} labelled pairs (calibration part of test/fixtures/matching; ${samples.length} scored)`,
  });
  const show = (label: string, m: MatchingModel) => {
    console.log(`\n== ${label}: ${m.version}\n${JSON.stringify({ weights: m.weights, intercept: m.intercept })}`);
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

process.exitCode = main();
