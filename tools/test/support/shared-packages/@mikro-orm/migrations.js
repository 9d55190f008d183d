module.exports = globalThis.herckNodeRequire('@mikro-orm/migrations');
