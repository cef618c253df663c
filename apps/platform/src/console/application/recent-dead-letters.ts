import { Injectable } from '@nestjs/common';
import { DeadLetterNote, DeadLetters } from '@ctp/messaging';

/**
 * The dead letters this platform sent lately, with their reasons: its own (a platform run in one thread) and those of
 * other threads added with `addSource` (main.ts adds its consumer thread's). Since the process started only; the
 * dead-letter stream's counts (BrokerStateReadModel) are the whole story.
 */
@Injectable()
export class RecentDeadLetters {
  private readonly sources: (() => Promise<DeadLetterNote[]>)[] = [];

  constructor(private readonly local: DeadLetters) {}

  addSource(source: () => Promise<DeadLetterNote[]>): void {
    this.sources.push(source);
  }

  /** The newest `limit`, newest first. */
  async latest(limit = 10): Promise<DeadLetterNote[]> {
    const all = (await Promise.all(this.sources.map((s) => s().catch(() => [])))).flat();
    return [...this.local.recent(), ...all].sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit);
  }
}
