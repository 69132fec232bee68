/**
 * The address text a worker reports at open, as Connection keeps it
 * (src/address_texts.ts): IPv4 clients as a number plus a shared local part,
 * anything else as shared text; both give back the text the worker sent.
 * (test/listen.test.ts checks the same against real sockets.)
 */
import { describe, expect, it } from 'vitest';
import { AddressTexts, addressText, remotePortOf } from '../src/address_texts';

function keep(texts: AddressTexts, text: string): { remote: string | number; port: number } {
  const b = Buffer.from(`xx${text}yy`, 'latin1');
  const remote = texts.shared(b, 2, text.length);
  return { remote, port: texts.port };
}

describe('AddressTexts', () => {
  it.each([
    'IPv4|127.0.0.1|40000|127.0.0.1|8080',
    'IPv4|255.255.255.254|1|10.0.0.1|80',
    'IPv4|0.0.0.0|65535|0.0.0.0|1',
    'IPv4|200.100.50.25|5|192.168.1.1|443|TLSv1.3|TLS_AES_128_GCM_SHA256|example.com|h2',
  ])('an IPv4 client is kept as a number, and its text comes back whole: %s', (text) => {
    const texts = new AddressTexts();
    const { remote, port } = keep(texts, text);
    expect(typeof remote).toBe('number');
    const fields = text.split('|');
    expect(remotePortOf(port)).toBe(Number(fields[2]));
    fields[2] = '';
    expect(addressText(remote, port)).toBe(fields.join('|'));
  });

  it.each([
    'IPv6|::1|40000|::1|8080',
    'IPv4|300.1.1.1|7|127.0.0.1|80', // not a dotted quad: kept as the text the worker sent
    'IPv4|1.2.3|7|127.0.0.1|80',
    'unix||0|/tmp/ringnet.sock|0',
  ])('anything else is kept as shared text without its port: %s', (text) => {
    const texts = new AddressTexts();
    const a = keep(texts, text);
    const b = keep(texts, text.replace('|7|', '|9|').replace('|40000|', '|40001|'));
    expect(typeof a.remote).toBe('string');
    expect(a.remote).toBe(b.remote); // one string for both connections
    expect(remotePortOf(a.port)).toBe(Number(text.split('|')[2]));
    const fields = text.split('|');
    fields[2] = '';
    expect(addressText(a.remote, a.port)).toBe(fields.join('|'));
  });
});
