import { DynamicModule, Global, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ReadinessChecks } from '@ctp/observability';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { buildDataSourceOptions, ServiceDataSourceSpec } from './data-source-options';
import { ensureDatabaseExists } from './ensure-database';
import { UnitOfWork } from './unit-of-work';

export interface PersistenceModuleOptions {
  dataSourceOptions: DataSourceOptions & { url: string };
  /** Create the database if missing (default true). */
  createDatabase?: boolean;
  /** Run pending migrations at start-up (default true). */
  runMigrations?: boolean;
}

export async function openDataSource(options: PersistenceModuleOptions): Promise<DataSource> {
  if (options.createDatabase ?? true) await ensureDatabaseExists(options.dataSourceOptions.url);
  const dataSource = new DataSource(options.dataSourceOptions);
  await dataSource.initialize();
  if (options.runMigrations ?? true) await migrateInTurn(options.dataSourceOptions.url, dataSource);
  return dataSource;
}

/**
 * Replicas of a service starting together each run the migrations: they take turns under a session advisory lock (on a
 * connection of its own, outside the pool), so the first applies what is pending and the others find nothing left.
 * Without it, the others failed at start ("relation already exists").
 */
async function migrateInTurn(url: string, dataSource: DataSource): Promise<void> {
  const lock = new Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtext('ctp-migrations'))`);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    // Ending the session releases the lock.
    await lock.end().catch(() => undefined);
  }
}

@Global()
@Module({})
export class PersistenceModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly readiness: ReadinessChecks,
  ) {}

  /** A service's own database (`buildDataSourceOptions`): created if missing and migrated at start-up. */
  static forService(spec: ServiceDataSourceSpec): DynamicModule {
    return PersistenceModule.forRootAsync({ useFactory: () => ({ dataSourceOptions: buildDataSourceOptions(spec) }) });
  }

  static forRootAsync(options: {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    inject?: any[];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    useFactory: (...args: any[]) => PersistenceModuleOptions | Promise<PersistenceModuleOptions>;
  }): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        {
          provide: DataSource,
          inject: options.inject ?? [],
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          useFactory: async (...args: any[]) => openDataSource(await options.useFactory(...args)),
        },
        { provide: UnitOfWork, inject: [DataSource], useFactory: (ds: DataSource) => new UnitOfWork(ds) },
      ],
      exports: [DataSource, UnitOfWork],
    };
  }

  onModuleInit(): void {
    this.readiness.register({
      name: 'postgres',
      check: async () => {
        await this.dataSource.query('SELECT 1');
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
