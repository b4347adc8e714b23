import { programEnv } from './process.js';

describe('programEnv', () => {
  it('gives programs the environment without NODE_EXTRA_CA_CERTS, and leaves the caller\'s alone', () => {
    const env = { PATH: '/usr/bin', NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', L2LB_NODE: '/usr/bin/node' };
    expect(programEnv(env)).toEqual({ PATH: '/usr/bin', L2LB_NODE: '/usr/bin/node' });
    expect(env.NODE_EXTRA_CA_CERTS).toBe('/etc/ssl/certs/ca-certificates.crt');
  });
});
