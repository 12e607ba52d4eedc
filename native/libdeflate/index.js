'use strict';
// The addon node-gyp built (see binding.gyp). CommonJS: the package is loaded by require().
// eslint-disable-next-line @typescript-eslint/no-require-imports
module.exports = require('./build/Release/deflate_binding.node');
