module.exports = globalThis.herckNodeRequire('@apollo/server');
