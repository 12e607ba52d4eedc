// Writes a small workspace to try Chunkpress on: a synthetic server log and a CSV, both
// compressible, big enough that compression takes a moment and shows its progress.
import * as fs from 'node:fs';
import * as path from 'node:path';

const dir = process.argv[2];
if (!dir) throw new Error('usage: sample-workspace.mjs DIR');
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
if (!fs.existsSync(path.join(dir, 'server.log'))) {
  writeLines('server.log', 64 << 20, (i) => {
    const t = new Date(Date.UTC(2026, 0, 1) + i * 37).toISOString();
    const h = (Math.imul(i, 2654435761) >>> 0).toString(16);
    return `${t} ${levels[i % levels.length]} req=${h} ${paths[(i >> 3) % paths.length]} status=${i % 17 ? 200 : 503} ms=${(i * 7) % 250}\n`;
  });
}
if (!fs.existsSync(path.join(dir, 'measurements.csv'))) {
  writeLines('measurements.csv', 16 << 20, (i) =>
    i === 0
      ? 'id,sensor,celsius,humidity\n'
      : `${i},s${i % 64},${(20 + Math.sin(i / 500) * 5).toFixed(3)},${(i * 13) % 100}\n`,
  );
}
fs.writeFileSync(
  path.join(dir, 'TRY-ME.md'),
  `# Try Chunkpress

- Right-click \`server.log\` in the Explorer and choose **Compress with Chunks**: the status bar
  shows the job live, and \`server.log.zst\` appears beside it.
- **Compress with Chunks...** asks for a level and a chunk size first (try level 19 to watch it work).
- Select both files and compress them at once; click the status bar item to cancel a job.
- The archives are ordinary zstd: \`zstd -d server.log.zst\` or \`zstd -lv server.log.zst\` in a terminal.
- The same engine in the terminal: \`npx chunkpress compress measurements.csv -v\`.
`,
);
console.log(`sample workspace ready in ${dir}`);
