import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('createLogger', () => {
  it('writes JSON lines unless asked for readable ones, and redacts tokens either way', () => {
    const json = sink();
    createLogger('info', json.stream).info({ token: 'secret-token', port: 3000 }, 'listening');
    const line = JSON.parse(json.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, msg: 'listening', port: 3000, token: '[redacted]', service: 'plenary' });

    const pretty = sink();
    createLogger('info', pretty.stream, { pretty: true }).info({ token: 'secret-token', port: 3000 }, 'listening');
    const text = pretty.text();
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: listening\n/);
    expect(text).toContain('port: 3000');
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('secret-token');
    expect(() => JSON.parse(text)).toThrow();
  });

  // The default, as `npm start` has it: readable (coloured) in a terminal, JSON through a pipe.
  it.skipIf(!fs.existsSync('/usr/bin/script'))('chooses by whether stdout is a terminal', () => {
    const code = "const { createLogger } = await import('./server/logger.ts'); createLogger('info').info({ port: 3000 }, 'listening')";
    const piped = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: repoRoot, encoding: 'utf8' });
    expect(JSON.parse(piped.trim())).toMatchObject({ msg: 'listening', port: 3000 });
    // util-linux's script(1) gives the child a pseudo-terminal.
    const command = [process.execPath, '--input-type=module', '-e', JSON.stringify(code)].join(' ');
    const tty = execFileSync('/usr/bin/script', ['-qec', command, '/dev/null'], { cwd: repoRoot, encoding: 'utf8' });
    expect(tty.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: listening\r?\n\s+port: 3000/);
  });
});
