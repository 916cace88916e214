// Minifies a release build's JavaScript and stylesheets in place, then updates the
// integrity hashes that index.html gives them. Run by scripts/build-lazy-modules, the
// last step of a release build, with the site's staging directory as its argument.
//
// The JavaScript is what wasm-bindgen writes (the page's and the modules' glue, their
// snippets, the worker's starter), all ES modules: terser compresses and mangles it.
// The stylesheets go through csso without restructuring, so that no rule moves. The
// files keep their names; the service worker (sw.js, a classic script) is left as it is.
// index.html loses its comments (they explain the source to its maintainers) and the
// white space between its tags; the text of its inline script, which the
// Content-Security-Policy allows by its hash, is not touched.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const require = createRequire(join(root, 'tests', 'e2e', 'package.json'));
const { minify: minifyJs } = require('terser');
const { minify: minifyCss } = require('csso');

const staging = process.argv[2];
if (!staging) {
  console.error('minify-site: give the staging directory');
  process.exit(2);
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const changed = new Map();
let before = 0;
let after = 0;
for (const path of files(staging)) {
  const name = relative(staging, path);
  let text = readFileSync(path, 'utf8');
  let out;
  if (name.endsWith('.js') && name !== 'sw.js') {
    const result = await minifyJs(text, { module: true, compress: true, mangle: true });
    out = result.code;
  } else if (name.endsWith('.css')) {
    out = minifyCss(text, { restructure: false }).css;
  } else {
    continue;
  }
  if (!out || out.length >= text.length) continue;
  writeFileSync(path, out);
  before += Buffer.byteLength(text);
  after += Buffer.byteLength(out);
  changed.set(name.split('\\').join('/'), out);
}

// index.html names some of these files with an integrity hash (the stylesheet and the
// page's module preloads): give them the hash of what they hold now.
const indexPath = join(staging, 'index.html');
let html = readFileSync(indexPath, 'utf8');
let updated = 0;
html = html.replace(/<link\b[^>]*>/g, (tag) => {
  const href = /\bhref="\.\/([^"]+)"/.exec(tag);
  if (!href || !changed.has(href[1]) || !/\bintegrity="sha384-[^"]*"/.test(tag)) return tag;
  const digest = createHash('sha384').update(changed.get(href[1])).digest('base64');
  updated += 1;
  return tag.replace(/\bintegrity="sha384-[^"]*"/, `integrity="sha384-${digest}"`);
});
const htmlBefore = Buffer.byteLength(html);
html = html.replace(/<!--[\s\S]*?-->/g, '').replace(/>\s+</g, '><');
writeFileSync(indexPath, html);
before += htmlBefore;
after += Buffer.byteLength(html);
console.log(
  `minify-site: ${changed.size} files, ${before} B to ${after} B; ${updated} integrity hashes updated`,
);
