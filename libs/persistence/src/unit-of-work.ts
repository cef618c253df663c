import { DataSource, EntityManager } from 'typeorm';

/** One database transaction, plus what must happen only once it has committed (e.g. waking the outbox relay). */
export interface Transaction {
  readonly manager: EntityManager;
  afterCommit(callback: () => void): void;
}

export class UnitOfWork {
  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const callbacks: (() => void)[] = [];
    const result = await this.dataSource.transaction((manager) =>
      work({ manager, afterCommit: (cb) => callbacks.push(cb) }),
    );
    for (const cb of callbacks) cb();
    return result;
  }
}
