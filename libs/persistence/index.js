// Runtime entry of @ctp/persistence: the root build (tsc) compiles src/ into dist/. Types come from src/ (package.json "types").
module.exports = require('../../dist/libs/persistence/src/index.js');
