import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeptIpv4, isKeptIpv6, parseIpv4, parseIpv6, scan } from '../../../ops/secrets/index.js';
import { at } from './fixtures.js';

const found = (text: string) => scan(text).map((f) => [f.rule, at(text, f)]);

describe('secrets pii - emails', () => {
  it('finds addresses, including noreply ones, and skips reserved or template domains', () => {
    const text = [
      'Author: Ada Lovelace <ada.lovelace@analytical.co.uk>',
      'From: 1234+ada@users.noreply.github.com',
      'contact user@example.com or admin@corp.test',
      'email: john.doe@domain.com',
      'img: logo@2x.png',
      'git clone git@github.com:org/repo.git',
      'postgres://ada:@db',
    ].join('\n');
    assert.deepEqual(found(text), [
      ['email', 'ada.lovelace@analytical.co.uk'],
      ['email', '1234+ada@users.noreply.github.com'],
    ]);
  });
});

describe('secrets pii - IP addresses', () => {
  it('finds public IPv4 and validates octets', () => {
    assert.deepEqual(found('host 34.120.5.17 and 999.1.1.1 and 01.2.3.4 and 1.2.3.4.5'), [['ipv4', '34.120.5.17']]);
    assert.equal(parseIpv4('256.1.1.1'), undefined);
    assert.deepEqual(parseIpv4('0.10.200.255'), [0, 10, 200, 255]);
  });

  it('skips version-like strings', () => {
    assert.deepEqual(found('version 1.2.3.4\n"version": "2.10.0.1"\nv 3.1.4.1\nv3.1.4.1\nApp ver: 4.4.0.12'), []);
    assert.deepEqual(found('server 1.2.3.4'), [['ipv4', '1.2.3.4']]);
  });

  it('keeps private, loopback, link-local, documentation and public DNS IPv4 unredacted', () => {
    const kept = ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '127.0.0.1', '169.254.10.10', '192.0.2.7',
      '8.8.8.8', '8.8.4.4', '1.1.1.1', '1.0.0.1', '9.9.9.9', '208.67.222.222', '208.67.220.220', '0.0.0.0', '255.255.255.0'];
    assert.deepEqual(found(kept.join(' ')), []);
    assert.equal(isKeptIpv4(parseIpv4('172.32.0.1')!), false);
  });

  it('finds public IPv6 in full and compressed form and skips code that looks like it', () => {
    const text = 'a 2a03:2880:f12f:83:face:b00c:0:25de b 2607:f8b0:4004:800::200e c std::vector d abc::def e 12:30:45 f 00:1a:2b:3c:4d:5e';
    assert.deepEqual(found(text), [['ipv6', '2a03:2880:f12f:83:face:b00c:0:25de'], ['ipv6', '2607:f8b0:4004:800::200e']]);
    assert.deepEqual(parseIpv6('::1'), [0, 0, 0, 0, 0, 0, 0, 1]);
    assert.equal(parseIpv6('1::2::3'), undefined);
  });

  it('keeps loopback, link-local, unique-local, documentation and public DNS IPv6 unredacted', () => {
    const kept = ['::1', 'fe80::1ff:fe23:4567:890a', 'fd12:3456:789a:1::1', 'fc00::1', '2001:db8::1',
      '2001:4860:4860::8888', '2001:4860:4860::8844', '2606:4700:4700::1111', '2606:4700:4700::1001', '2620:fe::fe', '2620:fe::9'];
    assert.deepEqual(found(kept.join(' , ')), []);
    assert.equal(isKeptIpv6(parseIpv6('2001:4860:4860::1')!), false);
  });
});
