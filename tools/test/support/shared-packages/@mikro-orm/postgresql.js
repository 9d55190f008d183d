module.exports = globalThis.herckNodeRequire('@mikro-orm/postgresql');
