module.exports = globalThis.herckNodeRequire('@apollo/composition');
