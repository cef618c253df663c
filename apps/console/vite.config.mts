/**
 * The analysts' console (issue #16), built by `npm run build` into dist/console/, which the platform serves at
 * /console/ (base path). Preact through the automatic JSX runtime; hashed file names; the total JavaScript, gzipped,
 * printed after the build and held to the issue's budget (300 kB): the build fails above it.
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Logger, type Plugin } from 'vite';

/** 300 kB gzipped, in Vite's units (1 kB = 1000 bytes), so that the line below reads like Vite's own. */
const JS_BUDGET_BYTES = 300_000;

/** Sums the gzipped size of every JavaScript chunk the build writes; fails the build above the budget. */
function javascriptBudget(): Plugin {
  let logger: Logger | undefined;
  return {
    name: 'ctp-console-js-budget',
    apply: 'build',
    configResolved(config) {
      logger = config.logger;
    },
    generateBundle(_options, bundle) {
      let raw = 0;
      let gzipped = 0;
      for (const file of Object.values(bundle)) {
        if (file.type !== 'chunk') continue;
        raw += Buffer.byteLength(file.code);
        gzipped += gzipSync(file.code, { level: 9 }).length;
      }
      const kb = (n: number) => (n / 1000).toFixed(2);
      const line = `console JavaScript in total: ${kb(raw)} kB, ${kb(gzipped)} kB gzipped (budget ${kb(JS_BUDGET_BYTES)} kB gzipped)`;
      if (logger) logger.info(line);
      else console.log(line);
      if (gzipped > JS_BUDGET_BYTES) {
        this.error(`console JavaScript is ${kb(gzipped)} kB gzipped, over the ${kb(JS_BUDGET_BYTES)} kB budget`);
      }
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [javascriptBudget()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
  },
  // `npx vite --config apps/console/vite.config.ts` for work on the pages: the API from the platform of `npm start`.
  server: {
    proxy: Object.fromEntries(
      [
        '/rollups',
        '/overlaps',
        '/initiatives',
        '/sync',
        '/console/config.json',
        '/console/stream',
        '/console/operations',
      ].map((path) => [path, 'http://127.0.0.1:3000']),
    ),
  },
});
