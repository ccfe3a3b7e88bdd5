#!/usr/bin/env node
// The `gatehouse` admin command (package.json "bin"): runs the compiled CLI on Node 24.
//
// `npx gatehouse` puts node_modules/.bin first on PATH, so `node` there is the project's Node 24
// (the `node` devDependency). Called some other way on an older Node, this re-runs itself on
// the project's Node when it is installed; oidc-provider and the CLI need Node 24.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);

if (major < 24) {
  const projectNode = `${root}node_modules/.bin/node`;
  if (existsSync(projectNode) && process.env.GATEHOUSE_NODE_REEXEC !== '1') {
    const result = spawnSync(projectNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, GATEHOUSE_NODE_REEXEC: '1' },
    });
    process.exit(result.status ?? 1);
  }
  process.stderr.write(`gatehouse needs Node.js 24 (this is ${process.version}): run \`npm install\` in the project, then \`npx gatehouse\`.\n`);
  process.exit(1);
}

const main = `${root}dist/cli/main.js`;
if (!existsSync(main)) {
  process.stderr.write('gatehouse is not built yet: run `npm run build` in the project first.\n');
  process.exit(1);
}
await import(main);
