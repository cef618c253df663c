// For the TypeORM CLI: `npx typeorm -d dist/apps/platform/src/config/data-source.js migration:show`.
import { buildDataSourceOptions } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { PLATFORM_MIGRATIONS } from '../migrations';
import { loadPlatformConfig } from './platform.config';

const config = loadPlatformConfig(process.env, { serveHttp: false });
export default new DataSource(
  buildDataSourceOptions({
    databaseUrl: config.databaseUrl,
    applicationName: config.service,
    migrations: PLATFORM_MIGRATIONS,
  }),
);
