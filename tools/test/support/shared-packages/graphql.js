module.exports = globalThis.herckNodeRequire('graphql');
