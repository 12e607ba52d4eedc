import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFsError } from '../../server/src/engine/errors';

const errno = (code: string, message = `${code}: something`) => Object.assign(new Error(message), { code });

test('file system errors become sentences that name the path', () => {
  const cases: Array<[string, 'read' | 'write' | 'create', string, string]> = [
    ['ENOENT', 'read', 'ENOENT', '"/d/a.log" does not exist'],
    ['ENOENT', 'create', 'ENOENT', 'Cannot create "/d/a.log": its folder does not exist'],
    ['EISDIR', 'read', 'EISDIR', '"/d/a.log" is a folder, not a file'],
    ['EACCES', 'read', 'EACCES', 'Permission denied: cannot read "/d/a.log"'],
    ['EPERM', 'create', 'EACCES', 'Permission denied: cannot create "/d/a.log"'],
    ['ENOSPC', 'write', 'ENOSPC', 'No space left on the device while writing "/d/a.log"'],
    ['EDQUOT', 'write', 'ENOSPC', 'No space left on the device while writing "/d/a.log"'],
    ['EEXIST', 'create', 'EEXIST', '"/d/a.log" already exists'],
    ['EIO', 'read', 'EIO', 'Cannot read "/d/a.log": EIO: something'],
  ];
  for (const [code, doing, expectedCode, message] of cases) {
    const err = describeFsError(errno(code), '/d/a.log', doing);
    assert.equal(err.code, expectedCode, code);
    assert.equal(err.message, message);
    assert.equal(err.path, '/d/a.log');
  }
});
