module.exports = globalThis.herckNodeRequire('@apollo/federation-internals');
