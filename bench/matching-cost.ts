import { performance } from 'node:perf_hooks';
import { comparePair } from '../apps/platform/src/overlaps/domain/pair-matcher';
import { labelledCandidates } from '../test/fixtures/matching';

/*
 * The matcher's cost per comparison (docs/matching.md "What it costs"): every labelled pair compared ROUNDS times
 * (both records prepared and their titles cached by text, as detection has them), after one unmeasured round.
 * `node dist/bench/matching-cost.js [rounds]` prints µs per comparison; not part of `npm run bench`. To compare two
 * revisions, build each and run them in turn, several times: this host's speed varies from minute to minute.
 */
function main(): void {
  const rounds = Number(process.argv[2] ?? 200);
  const pairs = labelledCandidates();
  let flagged = 0;
  for (const p of pairs) if (comparePair(p.a, p.b).classification) flagged++;
  const started = performance.now();
  for (let r = 0; r < rounds; r++) for (const p of pairs) comparePair(p.a, p.b);
  const us = ((performance.now() - started) * 1000) / (rounds * pairs.length);
  console.log(
    `${pairs.length} labelled pairs × ${rounds} rounds: ${us.toFixed(2)} µs per comparison (${flagged} flagged)`,
  );
}

main();
