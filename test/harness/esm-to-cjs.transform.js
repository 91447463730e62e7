// @ts-check
/**
 * Jest's module loader runs CommonJS; a dependency published only as ES
 * modules (@platformatic/kafka and its own packages) is compiled to CommonJS
 * as jest loads it, with esbuild. `import.meta.url` becomes the file's URL.
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
      sourcefile: filename,
      sourcemap: 'inline',
      define: { 'import.meta.url': '__importMetaUrl' },
      banner: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;",
    });
    return { code, map };
  },
};
