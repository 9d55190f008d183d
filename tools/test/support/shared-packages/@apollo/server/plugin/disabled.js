module.exports = globalThis.herckNodeRequire('@apollo/server/plugin/disabled');
