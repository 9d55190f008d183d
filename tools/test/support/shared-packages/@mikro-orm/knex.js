module.exports = globalThis.herckNodeRequire('@mikro-orm/knex');
