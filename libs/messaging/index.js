// Runtime entry of @ctp/messaging: the root build (tsc) compiles src/ into dist/. Types come from src/ (package.json "types").
module.exports = require('../../dist/libs/messaging/src/index.js');
