import { once } from 'node:events';
import { createServer } from 'node:http';
import { createDemoApp } from '../../src/demo/create-demo-app.js';
import { loadDemoConfig } from '../../src/demo/demo-config.js';
import { createRelyingParty } from '../../src/demo/relying-party.js';
import { captureLogs } from './capture-logs.js';
import { freePort } from './free-port.js';

export interface TestDemo {
  url: string;
  logs: string[];
  close(): Promise<void>;
}

/**
 * Starts the demo relying party in this process on a free port, against a test Gatehouse. Without
 * DEMO_CLIENT_ID it registers itself (RFC 7591), so its redirect URI can use the free port.
 */
export async function startTestDemo(gatehouse: { issuer: string; apiUrl: string }, env: Record<string, string> = {}): Promise<TestDemo> {
  const port = await freePort();
  const config = loadDemoConfig({
    DEMO_PORT: String(port),
    DEMO_ISSUER: gatehouse.issuer,
    DEMO_API_URL: gatehouse.apiUrl,
    DEMO_REDIRECT_URI: `http://localhost:${port}/callback`,
    LOG_LEVEL: 'debug',
    ...env,
  });
  const { lines: logs, logger } = captureLogs(config.logLevel);
  const server = createServer(createDemoApp({ config, relyingParty: createRelyingParty(config, logger), logger }).callback());
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://localhost:${port}`,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
