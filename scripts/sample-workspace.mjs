// Writes the workspace `npm start` opens: a large server log and a CSV to compress, a folder of
// source files, and archives made by other tools (zstd -T2, pzstd, gzip, bgzip) so that the
// Archives panel has something to open from the first look. Files already there are kept.
// `--small` writes the same with small sizes (the tests).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: sample-workspace.mjs DIR [--small]');
const small = process.argv.includes('--small');
const repo = path.resolve(import.meta.dirname, '..');
fs.mkdirSync(dir, { recursive: true });

function writeLines(file, bytes, line) {
  const out = fs.openSync(path.join(dir, file), 'w');
  let written = 0;
  let i = 0;
  while (written < bytes) {
    const batch = [];
    for (let n = 0; n < 10_000; n++) batch.push(line(i++));
    const buf = Buffer.from(batch.join(''));
    fs.writeSync(out, buf);
    written += buf.length;
  }
  fs.closeSync(out);
}

const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const paths = ['/api/archive', '/api/chunks', '/healthz', '/api/manifest', '/static/app.js'];
const logSize = small ? 2 << 20 : 256 << 20;
if ((fs.statSync(path.join(dir, 'server.log'), { throwIfNoEntry: false })?.size ?? 0) < logSize) {
  writeLines('server.log', logSize, (i) => {
    const t = new Date(Date.UTC(2026, 0, 1) + i * 37).toISOString();
    const h = (Math.imul(i, 2654435761) >>> 0).toString(16);
    return `${t} ${levels[i % levels.length]} req=${h} ${paths[(i >> 3) % paths.length]} status=${i % 17 ? 200 : 503} ms=${(i * 7) % 250}\n`;
  });
}
const csv = path.join(dir, 'measurements.csv');
if (!fs.existsSync(csv)) {
  writeLines('measurements.csv', small ? 1 << 20 : 16 << 20, (i) =>
    i === 0
      ? 'id,sensor,celsius,humidity\n'
      : `${i},s${i % 64},${(20 + Math.sin(i / 500) * 5).toFixed(3)},${(i * 13) % 100}\n`,
  );
}

// A folder of real source files (Chunkpress's own helper), nested, with an empty folder.
const sources = path.join(dir, 'chunkpress-src');
if (!fs.existsSync(sources)) {
  fs.cpSync(path.join(repo, 'server', 'src'), sources, { recursive: true });
  fs.mkdirSync(path.join(sources, 'empty'));
}

// The same CSV as other tools write it: every layout the panel tells apart, none of them ours.
const others = path.join(dir, 'other-tools');
fs.mkdirSync(others, { recursive: true });
const made = [
  ['measurements.zstd-T2.csv.zst', 'zstd', ['-q', '-3', '-T2', '-c', csv]],
  ['measurements.pzstd.csv.zst', 'pzstd', ['-q', '-3', '-p', '2', '-c', csv]],
  ['measurements.csv.gz', 'gzip', ['-6', '-c', csv]],
  ['measurements.bgzf.csv.gz', 'bgzip', ['-c', csv]],
];
// And the sources as GNU tar packs them, to open as a folder, search and extract.
made.push(['chunkpress-src.tar.gz', 'tar', ['-czf', '-', '-C', dir, 'chunkpress-src']]);
for (const [name, tool, args] of made) {
  const file = path.join(others, name);
  if (fs.existsSync(file)) continue;
  try {
    fs.writeFileSync(file, execFileSync(tool, args, { maxBuffer: 1 << 30 }));
  } catch (err) {
    console.error(`sample workspace: ${name} not made (${tool}: ${err.message.split('\n')[0]})`);
  }
}

fs.writeFileSync(
  path.join(dir, 'README.md'),
  `# Try Chunkpress

- Right-click \`server.log\` (256 MiB) in the Explorer and choose **Compress with Chunks**: the
  status bar shows the job live, and \`server.log.zst\` appears beside it.
- **Compress with Chunks...** asks for a level and a chunk size first (try level 19 to watch it work).
- Select \`server.log\` and \`measurements.csv\` and compress them at once; click the status bar item to
  cancel a job.
- Open the **Chunkpress** view in the activity bar: every archive in the workspace is listed, and
  \`other-tools/\` holds the same CSV as \`zstd -T2\`, \`pzstd\`, \`gzip\` and \`bgzip\` made it. Expand
  one to its frames, their header fields and blocks; **Open Report** shows the whole listing.
- On \`server.log.zst\`: **Verify Archive**, **Open Chunk** on a chunk, **Extract Range...** for a
  few bytes from the middle, and **Decompress** in the Explorer's menu.
- Right-click \`other-tools/chunkpress-src.tar.gz\` (GNU tar made it): **Open as Folder** adds it to the
  workspace, its files opening in ordinary editors; **Find in Archive...** finds a file by name or a
  line by its text; **Extract Here** unpacks it safely, in parallel for Chunkpress's own archives
  (compress the \`chunkpress-src\` folder to make one).
- The archives are ordinary zstd: \`zstd -d server.log.zst\` or \`zstd -lv server.log.zst\` in a terminal.
- The same engine in the terminal: \`npx chunkpress compress measurements.csv -v\`,
  \`npx chunkpress inspect other-tools/*\`.
`,
);
// VS Code offers to open the repository this workspace sits in (the project's own): not here.
fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
fs.writeFileSync(
  path.join(dir, '.vscode', 'settings.json'),
  `${JSON.stringify({ 'git.openRepositoryInParentFolders': 'never', 'git.enabled': false }, null, 2)}\n`,
);
console.log(`sample workspace ready in ${dir}`);
