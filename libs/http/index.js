// Runtime entry of @ctp/http: the root build (tsc) compiles src/ into dist/. Types come from src/ (package.json "types").
module.exports = require('../../dist/libs/http/src/index.js');
