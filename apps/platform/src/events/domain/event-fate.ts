import { Subjects, parseSource } from '@ctp/contracts';

/** What `mayStillBeRedriven` reads of a dead letter (the messaging lib's `DeadLetterEntry` has it). */
export interface RedrivableLetter {
  consumer: string;
  /** Its copy's sequence in the dead-letter stream, if known. */
  dlqSeq: number | null;
  /** The dead-letter sequence this message was a re-driven copy of. */
  redrivenFrom: number | null;
}

/**
 * The subjects only `source` may publish on (NATS permissions confine each publisher to its prefix), as the prefix a
 * dead-lettered message that named no source at all must have to be counted as this source's: `/ctp/hubs/eur` →
 * `ctp.hub.eur.`. Undefined for a source no publisher has.
 */
export function subjectPrefixOfSource(source: string): string | undefined {
  const parsed = parseSource(source);
  if (parsed?.kind === 'hub') return Subjects.hubAll(parsed.region).slice(0, -1);
  if (parsed?.kind === 'partner') return `ctp.partner.${parsed.code}.`;
  if (parsed?.kind === 'platform') return Subjects.platformAll.slice(0, -1);
  return undefined;
}

/** The operator's command that re-publishes a dead letter (scripts/dlq.ts), and the one that shows it. */
export function redriveCommand(dlqSeq: number): string {
  return `npm run dlq -- redrive ${dlqSeq}`;
}

export function inspectCommand(dlqSeq: number): string {
  return `npm run dlq -- show ${dlqSeq}`;
}

/**
 * Whether re-driving this dead letter is still the way forward, as far as the platform can tell (it may not read the
 * dead-letter stream): not when its consumer applied the event since (a re-drive or a re-publication got through),
 * nor when a later dead letter is a re-driven copy of it (`npm run dlq -- redrive` removed it from the stream).
 */
export function mayStillBeRedriven(
  letter: RedrivableLetter,
  fate: { outcome: { consumer: string } | undefined; deadLetters: readonly RedrivableLetter[] },
): boolean {
  if (letter.dlqSeq === null) return false;
  if (fate.outcome && fate.outcome.consumer === letter.consumer) return false;
  return !fate.deadLetters.some((l) => l.redrivenFrom === letter.dlqSeq);
}
