import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/config';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sodiem-cfg-'));
const KEY = 'k'.repeat(40);
const KEK = Buffer.alloc(32, 7).toString('base64');

describe('configuration is validated once at start', () => {
  it.each([
    ['PORT', { PORT: 'abc' }, /PORT/],
    ['PORT', { PORT: '70000' }, /PORT/],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }, /DATABASE_URL/],
    ['NODE_ENV', { NODE_ENV: 'staging' }, /NODE_ENV/],
    ['SESSION_TTL_MINUTES', { SESSION_TTL_MINUTES: '1' }, /SESSION_TTL_MINUTES/],
    ['LTI_KEK', { LTI_ENCRYPTION_KEY: KEY, LTI_KEK: 'c2hvcnQ=' }, /LTI_KEK/],
    ['CROSS_SITE_COOKIES', { CROSS_SITE_COOKIES: 'maybe' }, /CROSS_SITE_COOKIES/],
  ])('a bad %s stops the app with a message naming it, Vietnamese first', (_name, env, re) => {
    let err: unknown;
    try {
      loadConfig({ DATA_DIR: tmp(), ...env });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(re);
    expect(msg.indexOf('Cấu hình không hợp lệ')).toBe(0);
    expect(msg).toContain('Invalid configuration');
  });

  it.each(['DATABASE_URL', 'PUBLIC_URL', 'LTI_ENCRYPTION_KEY', 'LTI_KEK'])('production refuses to start without %s', (missing) => {
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u:p@db:5432/sodiem',
      PUBLIC_URL: 'https://sodiem.truong.edu.vn',
      LTI_ENCRYPTION_KEY: KEY,
      LTI_KEK: KEK,
      DATA_DIR: tmp(),
    };
    delete env[missing];
    expect(() => loadConfig(env)).toThrow(new RegExp(missing));
  });

  it('production with everything set starts, without demo mode', () => {
    const c = loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://u:p@db/sodiem', PUBLIC_URL: 'https://x.example/', LTI_ENCRYPTION_KEY: KEY, LTI_KEK: KEK, DATA_DIR: tmp() });
    expect(c.demo).toBe(false);
    expect(c.publicUrl).toBe('https://x.example');
  });

  it('demo mode generates its secrets once into the data folder and reuses them', () => {
    const dir = tmp();
    const a = loadConfig({ DATA_DIR: dir });
    const b = loadConfig({ DATA_DIR: dir });
    expect(a.ltiEncryptionKey).toBe(b.ltiEncryptionKey);
    expect(a.ltiKek.equals(b.ltiKek)).toBe(true);
    expect(fs.statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(a.demo).toBe(true);
  });
});
