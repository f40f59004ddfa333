export * from './accounts.js';
export * from './answers.js';
export * from './commands.js';
export * from './rest.js';
export * from './types.js';
export * from './version.js';
