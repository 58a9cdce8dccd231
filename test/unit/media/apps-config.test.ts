/** The media applications' flags: --apps-sip-port and --apps-rtp-ports (and their PBX_* variables). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../../engine/config/engine-config.js';

describe('media application settings', () => {
  it('default to a free SIP port and 21000-21999, apart from the relay range', () => {
    const c = parseConfig([], {});
    assert.equal(c.appsSipPort, 0);
    assert.deepEqual([c.appsRtpPortMin, c.appsRtpPortMax], [21000, 21999]);
    assert.ok(c.appsRtpPortMin > c.rtpPortMax);
  });

  it('are read from flags and PBX_* variables; the range does not touch the relay range', () => {
    const c = parseConfig(['--apps-sip-port', '5070', '--apps-rtp-ports', '30001-30100'], {});
    assert.equal(c.appsSipPort, 5070);
    assert.deepEqual([c.appsRtpPortMin, c.appsRtpPortMax], [30002, 30100]);
    assert.deepEqual([c.rtpPortMin, c.rtpPortMax], [10000, 20000]);
    const e = parseConfig([], { PBX_APPS_SIP_PORT: '5072', PBX_APPS_RTP_PORTS: '40000-40009' });
    assert.equal(e.appsSipPort, 5072);
    assert.deepEqual([e.appsRtpPortMin, e.appsRtpPortMax], [40000, 40009]);
    assert.throws(() => parseConfig(['--apps-rtp-ports', '9-8'], {}), ConfigError);
  });
});
