// Runtime entry of @ctp/observability: the root build (tsc) compiles src/ into dist/. Types come from src/ (package.json "types").
module.exports = require('../../dist/libs/observability/src/index.js');
