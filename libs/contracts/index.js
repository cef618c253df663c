// Runtime entry of @ctp/contracts: the root build (tsc) compiles src/ into dist/. Types come from src/ (package.json "types").
module.exports = require('../../dist/libs/contracts/src/index.js');
