// Builds the browser assets from src/ (plain ES modules bundled by esbuild; nothing fetched at run
// time):
//   OUT/custos-verify.html   the offline verifier, one self-contained file (script and style
//                            inline, a Content-Security-Policy that allows nothing else)
//   OUT/explorer/            index.html, app.js, app.css: what `custos explorer` serves
// Usage: node web/build.mjs [--out DIR]   (default: web/dist)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const out = resolve(args[0] === '--out' && args[1] ? args[1] : join(here, 'dist'));

async function bundle(entry) {
  const result = await build({
    entryPoints: [join(here, 'src', entry)],
    bundle: true,
    format: 'iife',
    target: ['chrome100', 'firefox100', 'safari15'],
    minify: true,
    legalComments: 'inline',
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

const cspHash = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

const css = readFileSync(join(here, 'src', 'ui', 'style.css'), 'utf8');
const verifyJs = (await bundle('verify_main.js')).replace(/<\/script/gi, '<\\/script');
const version = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).version;
const csp = `default-src 'none'; script-src ${cspHash(verifyJs)}; style-src ${cspHash(css)}; img-src data:; base-uri 'none'; form-action 'none'`;
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="custos-verify ${version}">
<title>Custos court bundle verifier (offline)</title>
<link rel="icon" href="data:,">
<style>${css}</style>
</head>
<body>
<main id="app"><p>This page needs JavaScript to verify a bundle. It runs entirely offline.</p></main>
<script>${verifyJs}</script>
</body>
</html>
`;
mkdirSync(join(out, 'explorer'), { recursive: true });
writeFileSync(join(out, 'custos-verify.html'), html);

const explorerJs = await bundle('explorer/main.js');
writeFileSync(join(out, 'explorer', 'app.js'), explorerJs);
writeFileSync(join(out, 'explorer', 'app.css'), css);
writeFileSync(join(out, 'explorer', 'index.html'), `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Custos explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css">
</head>
<body>
<div id="app"><p>Loading…</p></div>
<script src="/app.js"></script>
</body>
</html>
`);
console.log(`web: wrote ${join(out, 'custos-verify.html')} (${html.length} bytes) and ${join(out, 'explorer')}/`);
