// The provisioning Job's migration step (ConfigMap ctp-migrate): `node /etc/ctp/migrate/migrate.js hub|platform|
// partner-liaison` applies that service's pending migrations as the service's own role (PGHOST, PGUSER, PGPASSWORD,
// HUB_REGION: the same environment as its Deployment), then exits. The services also migrate at start-up; running it
// once first means two replicas starting together find nothing left to do. CTP_APP_DIR: the built application
// (/app in the image).
'use strict';
/* global require, process */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node in the image as it is */
const { join } = require('node:path');

const APPS = {
  hub: { config: 'hub/src/config/hub.config.js', load: 'loadHubConfig', list: 'HUB_MIGRATIONS', dir: 'hub' },
  platform: {
    config: 'platform/src/config/platform.config.js',
    load: 'loadPlatformConfig',
    list: 'PLATFORM_MIGRATIONS',
    dir: 'platform',
  },
  'partner-liaison': {
    config: 'partner-liaison/src/config/partner-liaison.config.js',
    load: 'loadPartnerLiaisonConfig',
    list: 'PARTNER_LIAISON_MIGRATIONS',
    dir: 'partner-liaison',
  },
};

async function main() {
  const app = APPS[process.argv[2]];
  if (!app) throw new Error(`usage: migrate.js ${Object.keys(APPS).join('|')} (got ${process.argv[2]})`);
  const dist = join(process.env.CTP_APP_DIR || '/app', 'dist');
  const config = require(join(dist, 'apps', app.config))[app.load](process.env, { serveHttp: false });
  const migrations = require(join(dist, 'apps', app.dir, 'src/migrations/index.js'))[app.list];
  const { buildDataSourceOptions, openDataSource, redactDatabaseUrl } = require(
    join(dist, 'libs/persistence/src/index.js'),
  );
  // The database is CloudNativePG's (a Database resource): never created here.
  const dataSource = await openDataSource({
    dataSourceOptions: buildDataSourceOptions({
      databaseUrl: config.databaseUrl,
      applicationName: `${config.service}-migrate`,
      migrations,
    }),
    createDatabase: false,
  });
  await dataSource.destroy();
  process.stdout.write(`${config.service}: migrations applied on ${redactDatabaseUrl(config.databaseUrl)}\n`);
}

main().catch((err) => {
  process.stderr.write(`migrate.js: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
