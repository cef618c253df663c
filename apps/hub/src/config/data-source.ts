// For the TypeORM CLI: `npx typeorm -d dist/apps/hub/src/config/data-source.js migration:show` (HUB_REGION set).
import { buildDataSourceOptions } from '@ctp/persistence';
import { DataSource } from 'typeorm';
import { HUB_MIGRATIONS } from '../migrations';
import { loadHubConfig } from './hub.config';

const config = loadHubConfig(process.env, { serveHttp: false });
export default new DataSource(
  buildDataSourceOptions({
    databaseUrl: config.databaseUrl,
    applicationName: config.service,
    migrations: HUB_MIGRATIONS,
  }),
);
