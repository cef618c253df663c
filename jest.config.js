// Unit tests: *.spec.ts beside the code. Integration tests: test/ (real PostgreSQL and NATS). Fault-injection
// scenarios: test/faults/*.fault.ts, minutes long, run only when asked for (`npm run test:faults`, i.e.
// `jest --selectProjects faults`), never by a plain `jest` / `npm test`.
const moduleNameMapper = {
  '^@ctp/(contracts|messaging|persistence|observability|auth|http)$': '<rootDir>/libs/$1/src',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json' }] };

/** The projects named after --selectProjects (either `--selectProjects a b` or `--selectProjects=a,b`). */
function selectedProjects(argv) {
  const names = [];
  argv.forEach((arg, i) => {
    if (arg.startsWith('--selectProjects=')) names.push(...arg.slice('--selectProjects='.length).split(','));
    if (arg !== '--selectProjects') return;
    for (let j = i + 1; j < argv.length && !argv[j].startsWith('-'); j++) names.push(argv[j]);
  });
  return names;
}

const faults = {
  displayName: 'faults',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.fault.ts'],
  moduleNameMapper,
  transform,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
};

module.exports = {
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/scripts', '<rootDir>/bench'],
      testMatch: ['**/*.spec.ts'],
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      moduleNameMapper,
      transform,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    ...(selectedProjects(process.argv).includes('faults') ? [faults] : []),
  ],
};
