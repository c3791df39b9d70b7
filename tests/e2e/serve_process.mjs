// Starts `hulumed serve --port 0` for a test and resolves once it prints its port.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export function startServer(binary, model, extraArgs = []) {
  const child = spawn(binary, ['serve', '-m', model, '--port', '0', '--no-log', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('exit', (code) => reject(new Error(`hulumed serve exited with ${code}`)));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on port (\d+)/);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    });
  });
}

export function stopServer(child) {
  child.removeAllListeners('exit');
  return new Promise((resolve) => {
    child.on('exit', resolve);
    child.kill('SIGTERM');
  });
}

// A loopback port nobody listens on now, for a helper process (Orthanc, HAProxy) of a test.
export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function check(cond, message) {
  if (!cond) throw new Error(message);
}
