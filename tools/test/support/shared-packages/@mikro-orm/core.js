module.exports = globalThis.herckNodeRequire('@mikro-orm/core');
