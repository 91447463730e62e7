// @ts-check
/**
 * Jest's module loader runs CommonJS; a dependency published only as ES
 * modules (@platformatic/kafka and its own packages, every @nestjs package
 * from 12 on) is compiled to CommonJS as jest loads it, with esbuild.
 * `import.meta` becomes the file's own (url, dirname, resolve). A dynamic
 * `import()` (Nest loads its optional packages so) becomes a `require()`:
 * jest can only run `import()` with --experimental-vm-modules.
 * Node itself needs none of this: the services load those packages with
 * require(esm) (Node >= 22.12); jest can only do so on Node >= 24.9 with an
 * experimental flag, so this keeps the suite the same on Node 22 and 24.
 */
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      format: 'cjs',
      loader: 'js',
      target: 'node22',
      supported: { 'dynamic-import': false },
      sourcefile: filename,
      sourcemap: 'inline',
      define: {
        'import.meta.url': '__importMetaUrl',
        'import.meta.dirname': '__dirname',
        'import.meta.resolve': '__importMetaResolve',
      },
      banner:
        "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" +
        "const __importMetaResolve = (specifier) => require('node:url').pathToFileURL(require.resolve(specifier)).href;",
    });
    return { code, map };
  },
};
