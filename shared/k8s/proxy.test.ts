import { exempt, proxyFor } from './proxy.js';

describe('proxyFor', () => {
  it.each([
    ['no proxy anywhere', 'https://10.0.0.1:6443', {}, undefined, undefined],
    ['proxy-url wins over the environment', 'https://10.0.0.1:6443', { HTTPS_PROXY: 'http://env:3128' }, 'http://kc:3128', 'http://kc:3128'],
    ['HTTPS_PROXY for an https server', 'https://api.example.com', { HTTPS_PROXY: 'http://env:3128', HTTP_PROXY: 'http://plain:3128' }, undefined, 'http://env:3128'],
    ['lower-case https_proxy', 'https://api.example.com', { https_proxy: 'http://env:3128' }, undefined, 'http://env:3128'],
    ['HTTP_PROXY for an http server', 'http://api.example.com', { HTTPS_PROXY: 'http://env:3128', HTTP_PROXY: 'http://plain:3128' }, undefined, 'http://plain:3128'],
    ['a bare host:port', 'https://api.example.com', { HTTPS_PROXY: 'env:3128' }, undefined, 'http://env:3128'],
    ['NO_PROXY exempts', 'https://api.example.com', { HTTPS_PROXY: 'http://env:3128', NO_PROXY: 'example.com' }, undefined, undefined],
    ['NO_PROXY does not exempt from proxy-url', 'https://api.example.com', { NO_PROXY: '*' }, 'http://kc:3128', 'http://kc:3128'],
  ])('%s', (_what, server, env, proxyUrl, want) => {
    expect(proxyFor(server, env, proxyUrl)).toBe(want);
  });
});

describe('NO_PROXY', () => {
  it.each([
    ['api.example.com', '443', 'example.com', true],
    ['api.example.com', '443', '.example.com', true],
    ['example.com', '443', '.example.com', true],
    ['notexample.com', '443', 'example.com', false],
    ['api.example.com', '443', 'other.com, example.com', true],
    ['api.example.com', '443', 'example.com:6443', false],
    ['api.example.com', '6443', 'example.com:6443', true],
    ['10.96.0.1', '443', '10.96.0.0/12', true],
    ['10.112.0.1', '443', '10.96.0.0/12', false],
    ['10.96.0.1', '443', '10.96.0.1', true],
    ['fd00::1', '443', 'fd00::/8', true],
    ['fd00::1', '443', 'fd00:0::1', true],
    ['fd00::1', '443', '[fd00::1]:443', true],
    ['fd00::1', '443', '[fd00::1]:6443', false],
    ['anything', '443', '*', true],
    ['10.96.0.1', '443', '', false],
    ['API.Example.com', '443', 'example.COM', true],
  ])('%s:%s with NO_PROXY=%j', (host, port, noProxy, want) => {
    expect(exempt(host, port, noProxy)).toBe(want);
  });
});
