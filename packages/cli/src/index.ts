export { main, createProgram, cliVersion } from './main';
export { EXIT } from './exit-codes';
