export { main } from './main.js';
export { startSandbox, SANDBOX_CATEGORY, SANDBOX_ML_CATEGORY, SANDBOX_UNMAPPED_CATEGORY, SANDBOX_WEBHOOK_TOKEN, type Sandbox, type SandboxOptions } from './sandbox.js';
