module.exports = globalThis.herckNodeRequire('@apollo/subgraph');
