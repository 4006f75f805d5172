// Measures what a browser downloads before the first page renders: the JavaScript that
// dist/index.html loads (its module script and modulepreloads, and what they statically import),
// gzipped. Lazy route chunks (the workflow editor among them) are not part of it.
//
//   npm run build -w @lightning/web && node --import tsx packages/web/scripts/first-load.ts
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const DIST = fileURLToPath(new URL('../dist', import.meta.url));

export interface FirstLoad {
  files: { file: string; bytes: number; gzipBytes: number }[];
  gzipBytes: number;
}

/** Static `import … from "./x.js"` (not `import("./x.js")`) of a built chunk. */
function staticImports(code: string): string[] {
  const found = new Set<string>();
  const pattern =
    /(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["'](\.\/[^"']+\.js)["']/g;
  for (const match of code.matchAll(pattern)) found.add(match[1]!);
  return [...found];
}

export function measureFirstLoad(dist = DIST): FirstLoad {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const queue = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const seen = new Set<string>();
  const files: FirstLoad['files'] = [];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(join(dist, file));
    files.push({ file, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length });
    for (const imported of staticImports(code.toString('utf8'))) {
      queue.push(join('assets', imported.slice(2)));
    }
  }
  return { files, gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { files, gzipBytes } = measureFirstLoad();
  for (const f of files) {
    console.log(
      `${f.file}  ${(f.bytes / 1024).toFixed(1)} KB  gzip ${(f.gzipBytes / 1024).toFixed(1)} KB`,
    );
  }
  console.log(`first load: ${(gzipBytes / 1024).toFixed(1)} KB of JavaScript gzipped`);
}
