// The layers of docs/architecture.md ("Layers"; house style habits 4 and 11), checked by `npm run lint:deps` (dependency-cruiser); the
// "Layers" section of docs/architecture.md says them in words. Paths are regular expressions on the resolved file,
// relative to the working directory; `$1`, `$2` in a `to` stand for the groups of the rule's `from`. A feature is a
// folder directly under apps/<service>/src/; the files directly under src/ (main.ts, <service>.module.ts) are the
// composition root and may wire any feature. scripts/dependency-rules.spec.ts runs this file on a small tree and shows
// that each rule fails on a forbidden import.

/* global module */
const FEATURE = '^apps/([^/]+)/src/([^/]+)/';
const LAYER = (names) => `^apps/[^/]+/src/[^/]+/(${names})/`;

// Frameworks and drivers that domain/ may not touch (installed, or unresolved and so named as imported).
const FRAMEWORKS = ['(^|node_modules/)(@nestjs|@nats-io)/', '(^|node_modules/)(typeorm|pg|pg-[^/]+|nats|express)(/|$)'];

// Our libraries, lowest first: a library imports only libraries on a lower level (auth and http sit above messaging,
// which no longer holds the HTTP bootstrap). A new library is given its level here.
const LIB_LEVELS = [['contracts'], ['observability'], ['persistence'], ['messaging'], ['auth'], ['http']];

function libOrderRules() {
  return LIB_LEVELS.flatMap((level, i) => {
    const below = LIB_LEVELS.slice(0, i).flat();
    return level.map((lib) => ({
      name: `lib-order-${lib}`,
      comment:
        below.length === 0
          ? `libs/${lib} imports none of our other libraries`
          : `libs/${lib} imports only ${below.map((b) => `@ctp/${b}`).join(', ')} (libs in their order, docs/architecture.md "Layers")`,
      severity: 'error',
      from: { path: `^libs/${lib}/` },
      to: { path: '^libs/', pathNot: `^libs/(${[lib, ...below].join('|')})/` },
    }));
  });
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles (type-only imports count too), docs/architecture.md house style habit 4',
      severity: 'error',
      from: { path: '^(apps|libs)/' },
      to: { circular: true },
    },
    {
      name: 'domain-no-framework',
      comment: 'domain/ is plain TypeScript: no Nest, ORM, driver, NATS or Express, docs/architecture.md "Layers"',
      severity: 'error',
      from: { path: LAYER('domain') },
      to: { path: [...FRAMEWORKS, '^libs/(persistence|messaging|http|auth)/'] },
    },
    {
      name: 'domain-no-outer-layers',
      comment: 'domain/ imports no application, http, messaging or persistence code (of its feature or any other)',
      severity: 'error',
      from: { path: LAYER('domain') },
      to: { path: LAYER('application|http|messaging|persistence') },
    },
    {
      name: 'edge-no-persistence',
      comment: 'http/ and messaging/ call the application layer; they do not import persistence/ directly',
      severity: 'error',
      from: { path: LAYER('http|messaging') },
      to: { path: LAYER('persistence') },
    },
    {
      name: 'edges-apart',
      comment:
        'http/ and messaging/ are two edges over the same use cases: neither imports the other (what both need, e.g. error bodies, lives in application/)',
      severity: 'error',
      from: { path: LAYER('http') },
      to: { path: LAYER('messaging') },
    },
    {
      name: 'edges-apart-messaging',
      comment: 'see edges-apart: messaging/ does not import http/ either',
      severity: 'error',
      from: { path: LAYER('messaging') },
      to: { path: LAYER('http') },
    },
    {
      name: 'application-no-edges',
      comment: 'application/ is called by http/ and messaging/, never the other way round',
      severity: 'error',
      from: { path: LAYER('application') },
      to: { path: LAYER('http|messaging') },
    },
    {
      name: 'persistence-no-upper-layers',
      comment: 'persistence/ implements what domain/ declares; it imports no application, http or messaging code',
      severity: 'error',
      from: { path: LAYER('persistence') },
      to: { path: LAYER('application|http|messaging') },
    },
    {
      name: 'no-cross-feature-internals',
      comment:
        "A feature never imports another feature's application or persistence code to drive it; it subscribes to the " +
        'port that feature announces through (docs/architecture.md house style habit 11)',
      severity: 'error',
      from: { path: FEATURE },
      to: {
        path: '^apps/$1/src/[^/]+/(application|persistence)/',
        pathNot: [
          '^apps/$1/src/$2/',
          // The one way in: the port a feature announces through, application/<what>-changes.ts (e.g. the registry's
          // RegistryChanges), which other features subscribe to.
          '^apps/$1/src/[^/]+/application/[^/]+-changes\\.ts$',
        ],
      },
    },
    {
      name: 'no-app-to-other-app',
      comment: 'Services share data through @ctp/contracts, never by importing each other',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'no-lib-to-app',
      comment: 'Libraries know nothing of the services that use them',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'lib-by-package-name',
      comment:
        'Reach a library only through its package name (@ctp/x, resolved by the paths of tsconfig.json), never by a ' +
        'relative or deep path into libs/x, docs/architecture.md house style habit 4',
      severity: 'error',
      from: { path: '^(apps|scripts|test|bench|examples)/' },
      to: { path: '^libs/', dependencyTypesNot: ['aliased-tsconfig-paths'] },
    },
    {
      name: 'lib-by-package-name-between-libs',
      comment: 'One library reaches another only through its package name too',
      severity: 'error',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/', pathNot: '^libs/$1/', dependencyTypesNot: ['aliased-tsconfig-paths'] },
    },
    ...libOrderRules(),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // dist/ holds the compiled copy that libs/*/index.js points at; the sources are what we check.
    exclude: { path: '^dist/' },
    // Type-only imports are dependencies too: a domain type taken from persistence is a layering fault.
    tsPreCompilationDeps: true,
    // The @ctp/* paths of tsconfig.json resolve to libs/<name>/src/index.ts.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
