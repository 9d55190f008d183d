module.exports = globalThis.herckNodeRequire('decimal.js');
