/** The journal's format (format/jobJournal.ts): each job kind's records, torn lines, refusals. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodedLine,
  frameLine,
  headerLine,
  journalProgress,
  madeLine,
  parseJournal,
  plannedLine,
  stoppedLine,
  type JournalHeader,
} from '../../server/src/engine/format/jobJournal';

const base = {
  journal: 'chunkpress-journal' as const,
  version: 1,
  target: '/w/out',
  startedAt: 1,
  pid: 42,
  source: { path: '/w/in', size: 10, mtimeMs: 2, ino: 3, dev: 4 },
  totalChunks: 4,
};
const decompress: JournalHeader = { ...base, job: 'decompress', partial: '/w/.out.ab.partial' };
const extract: JournalHeader = {
  ...base,
  job: 'extract',
  totalChunks: 0,
  options: { overwrite: 'skip', keepSetuid: false, sameOwner: false },
};

test('a decompression: the frames written, in any order and repeated, count once each', () => {
  const j = parseJournal(headerLine(decompress) + [2, 0, 3, 2].map(decodedLine).join(''), 'j');
  assert.deepEqual(j.decoded, [2, 0, 3, 2]);
  assert.deepEqual(journalProgress(j), { done: 3, total: 4, unit: 'frame' });
  assert.throws(() => parseJournal(headerLine(decompress) + '{"decoded":-1}\n', 'j'), /line 2 does not name a frame/);
  assert.throws(
    () => parseJournal(headerLine(decompress) + frameLine({} as never), 'j'),
    /line 2 records a frame, and this is not a compression's journal/,
  );
});

test('an extraction: what it made, in batches and one by one, its plan and its progress; a torn last line is dropped', () => {
  const text =
    headerLine(extract) +
    madeLine({ folders: ['a'] }) +
    madeLine({ files: ['a/1', 'a/2'], folders: ['a/b'] }) +
    plannedLine(5) +
    madeLine({ temps: ['/w/out/.x.chunkpress-1'] }, 2) +
    madeLine(undefined, 3) +
    '{"made":{"files":["a/3"';
  const j = parseJournal(text, 'j');
  assert.deepEqual(j.made, { files: ['a/1', 'a/2'], folders: ['a', 'a/b'], temps: ['/w/out/.x.chunkpress-1'] });
  assert.equal(j.torn, true);
  assert.deepEqual(journalProgress(j), { done: 3, total: 5, unit: 'file' });
  assert.throws(
    () => parseJournal(headerLine(extract) + '{"made":{"files":[1]}}\n', 'j'),
    /line 2's files are not paths/,
  );
  assert.equal(parseJournal(headerLine(extract) + stoppedLine('no space left'), 'j').stopped, 'no space left');
});

test('headers: each kind checked for its own fields; an unknown kind or a newer version refused', () => {
  assert.throws(
    () => parseJournal(headerLine({ ...decompress, partial: undefined } as never), 'j'),
    /its header lacks a field or has one of the wrong kind/,
  );
  assert.throws(
    () => parseJournal(headerLine({ ...extract, options: { overwrite: 'sometimes' } } as never), 'j'),
    /its header lacks a field/,
  );
  assert.throws(
    () => parseJournal(headerLine({ ...base, job: 'defragment' } as never), 'j'),
    /the journal of a job this version does not know \("defragment"\)/,
  );
  assert.throws(() => parseJournal(headerLine({ ...decompress, version: 2 }), 'j'), /written by a newer Chunkpress/);
});
