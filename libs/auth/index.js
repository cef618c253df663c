// Runtime entry of @ctp/auth: the root build (tsc) compiles src/ into dist/. Types come from src/ (package.json "types").
module.exports = require('../../dist/libs/auth/src/index.js');
