// Build the Cornerstone3D viewer bundle into static/viewer/dist (served by Django staticfiles / WhiteNoise).
// Run from the repository root: `npm ci && npm run build`.
//
// Why this shape (see shared/notes/viewer.md):
// - Cornerstone3D ships ESM only, so a bundler is unavoidable; esbuild is one package and builds in seconds.
// - The loader creates its decode worker with new URL('./decodeImageFrameWorker.js', import.meta.url) and tools
//   its compute worker with new URL('../workers/computeWorker.js', ...): esbuild does not follow that pattern, so
//   both are extra entry points at exactly those paths next to the main bundle.
// - Codec .wasm files are copied to dist/wasm/ and found through init({ wasmBasePath }).
// - Node built-ins required by emscripten glue and vtk.js are shimmed to empty modules ("external" is not enough
//   with format=esm: "Dynamic require of "url" is not supported" at run time).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const out = path.join(here, 'dist');
const modules = path.join(root, 'node_modules');

const nodeShims = {
  name: 'node-shims',
  setup(build) {
    build.onResolve({ filter: /^(fs|path|crypto|url|module|worker_threads)$/ }, (a) => ({
      path: a.path,
      namespace: 'node-shim',
    }));
    build.onLoad({ filter: /.*/, namespace: 'node-shim' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

const CODECS = [
  ['codec-charls', 'charlswasm_decode.wasm'],
  ['codec-openjpeg', 'openjpegwasm_decode.wasm'],
  ['codec-libjpeg-turbo-8bit', 'libjpegturbowasm_decode.wasm'],
  ['codec-openjph', 'openjphjs.wasm'],
];

const started = Date.now();
fs.rmSync(out, { recursive: true, force: true });
await esbuild.build({
  entryPoints: {
    'esm/viewer': path.join(here, 'src', 'viewer.js'),
    'esm/decodeImageFrameWorker': path.join(modules, '@cornerstonejs/dicom-image-loader/dist/esm/decodeImageFrameWorker.js'),
    'workers/computeWorker': path.join(modules, '@cornerstonejs/tools/dist/esm/workers/computeWorker.js'),
  },
  bundle: true,
  format: 'esm',
  splitting: true,
  minify: process.env.VIEWER_DEBUG !== "1",
  sourcemap: false,
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  outdir: out,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [nodeShims],
  loader: { '.wasm': 'file' },
  logLevel: 'warning',
});
const wasmDir = path.join(out, 'wasm');
fs.mkdirSync(wasmDir, { recursive: true });
for (const [pkg, file] of CODECS) {
  fs.copyFileSync(path.join(modules, '@cornerstonejs', pkg, 'dist', file), path.join(wasmDir, file));
}
fs.copyFileSync(path.join(here, 'src', 'viewer.css'), path.join(out, 'viewer.css'));
console.log(`viewer bundle written to ${path.relative(root, out)} in ${Date.now() - started} ms`);
