/** Flags and PBX_* environment variables → EngineConfig (README "Settings"). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, FLAGS, parseConfig } from '../../../engine/config/engine-config.js';

/** Always pinned, so no test depends on this machine's network interfaces. */
const BASE = ['--advertise', '192.0.2.1'];

function parse(argv: string[] = [], env: Record<string, string> = {}) {
  return parseConfig([...BASE, ...argv], env);
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('parseConfig', () => {
  describe('defaults', () => {
    it('without flags or environment the documented defaults apply', () => {
      const c = parse();
      assert.equal(c.bind, '0.0.0.0');
      assert.equal(c.sipPort, 5060);
      assert.equal(c.sipsPort, 5061);
      assert.equal(c.httpPort, 8080);
      assert.deepEqual([c.rtpPortMin, c.rtpPortMax], [10000, 20000]);
      assert.equal(c.tftpPort, 69);
      assert.equal(c.provPort, 8090);
      assert.equal(c.adminPassword, undefined);
      assert.equal(c.logLevel, 'info');
      assert.equal(c.sipTrace, false);
      assert.deepEqual(c.digestAlgorithms, ['MD5']);
      assert.equal(c.authFailSlowAfter, 5);
      assert.equal(c.authFailBlockAfter, 20);
      assert.equal(c.authBlockSeconds, 600);
      assert.equal(c.qualifyInterval, 30);
      assert.deepEqual([c.minExpires, c.maxExpires, c.defaultExpires], [60, 3600, 3600]);
    });

    it('the realm defaults to the advertised address', () => {
      assert.equal(parse().realm, '192.0.2.1');
      assert.equal(parse(['--realm', 'pbx.example']).realm, 'pbx.example');
    });

    it('the advertised address defaults to --bind when that is a specific address', () => {
      const c = parseConfig(['--bind', '192.0.2.7'], {});
      assert.equal(c.advertise, '192.0.2.7');
      assert.equal(c.realm, '192.0.2.7');
    });

    it('the default registration time is never longer than --max-expires', () => {
      const c = parse(['--max-expires', '600']);
      assert.equal(c.maxExpires, 600);
      assert.equal(c.defaultExpires, 600);
    });
  });

  describe('flags', () => {
    it('flags take a value as the next argument or after "="', () => {
      const c = parse([
        '--sip-port',
        '5070',
        '--http-port=8081',
        '--data-dir',
        '/tmp/pbx',
        '--log-level=debug',
      ]);
      assert.equal(c.sipPort, 5070);
      assert.equal(c.httpPort, 8081);
      assert.equal(c.dataDir, '/tmp/pbx');
      assert.equal(c.logLevel, 'debug');
    });

    it('every flag in the table is accepted', () => {
      const sample: Record<string, string> = {
        string: 'x',
        port: '5000',
        int: '3600',
        priority: '10',
        bool: 'true',
        range: '30000-31000',
        level: 'warn',
        algorithms: 'SHA-256',
        relay: 'off',
        timezone: 'Europe/Berlin',
      };
      for (const f of FLAGS) assert.doesNotThrow(() => parse([`--${f.flag}=${sample[f.kind]}`]), f.flag);
    });

    it('provisioning flags: --pnp off, --time-zone checked by name', () => {
      assert.equal(parse(['--pnp', 'off']).pnp, false);
      assert.equal(parse([]).pnp, true);
      assert.equal(parse(['--time-zone', 'Asia/Kolkata']).timeZone, 'Asia/Kolkata');
      assert.throws(
        () => parse(['--time-zone', 'Mars/Base']),
        (e: unknown) => e instanceof ConfigError && e.field === 'time-zone',
      );
    });

    it('a boolean flag alone means true, and it takes an explicit value', () => {
      assert.equal(parse(['--sip-trace']).sipTrace, true);
      assert.equal(parse(['--sip-trace', '--sip-port', '5070']).sipTrace, true);
      assert.equal(parse(['--sip-trace', 'false']).sipTrace, false);
      assert.equal(parse(['--sip-trace=off']).sipTrace, false);
      assert.equal(parse(['--sip-trace=YES']).sipTrace, true);
    });

    it('--rtpengine selects the rtpengine relay; --media-relay rtpengine without an address is refused', () => {
      const c = parse(['--rtpengine', '127.0.0.1:22222']);
      assert.deepEqual([c.mediaRelay, c.rtpengine], ['rtpengine', '127.0.0.1:22222']);
      assert.throws(() => parse(['--media-relay', 'rtpengine']), /--rtpengine/);
      assert.throws(() => parse(['--media-relay', 'sometimes']), /builtin, rtpengine, off/);
      assert.equal(parse([]).mediaRelay, 'builtin');
    });

    it('--relay-realtime: priority 10 by default, 0 for normal scheduling, at most 99', () => {
      assert.equal(parse([]).relayRealtime, 10);
      assert.equal(parse(['--relay-realtime', '0']).relayRealtime, 0);
      assert.equal(parse(['--relay-realtime=99']).relayRealtime, 99);
      const err = configError(() => parse(['--relay-realtime', '100']));
      assert.equal(err.field, 'relay-realtime');
      assert.match(err.message, /not 0 \(off\) or a priority from 1 to 99/);
    });

    it('--rtp-ports A-B sets both ends', () => {
      const c = parse(['--rtp-ports', '30000-30100']);
      assert.deepEqual([c.rtpPortMin, c.rtpPortMax], [30000, 30100]);
    });

    it('--rtp-ports rounds an odd start up to the next even port (RTP even, RTCP odd)', () => {
      const c = parse(['--rtp-ports', '30001-30100']);
      assert.deepEqual([c.rtpPortMin, c.rtpPortMax], [30002, 30100]);
    });

    it('--rtp-ports is refused when no RTP/RTCP pair is left after rounding', {}, () => {
      const err = configError(() => parse(['--rtp-ports', '30001-30002']));
      assert.equal(err.field, 'rtp-ports');
    });

    it('--digest-algorithms takes MD5 and/or SHA-256 in preference order, in any case', () => {
      assert.deepEqual(parse(['--digest-algorithms', 'SHA-256,MD5']).digestAlgorithms, ['SHA-256', 'MD5']);
      assert.deepEqual(parse(['--digest-algorithms', 'md5, sha-256']).digestAlgorithms, ['MD5', 'SHA-256']);
      assert.deepEqual(parse(['--digest-algorithms', 'sha-256']).digestAlgorithms, ['SHA-256']);
    });
  });

  describe('environment', () => {
    it('PBX_<FLAG> variables set the same values (dashes become underscores)', () => {
      const c = parse([], {
        PBX_SIP_PORT: '5070',
        PBX_RTP_PORTS: '40000-40100',
        PBX_SIP_TRACE: '1',
        PBX_DIGEST_ALGORITHMS: 'SHA-256',
        PBX_AUTH_FAIL_BLOCK: '9',
        PBX_LOG_LEVEL: 'error',
      });
      assert.equal(c.sipPort, 5070);
      assert.deepEqual([c.rtpPortMin, c.rtpPortMax], [40000, 40100]);
      assert.equal(c.sipTrace, true);
      assert.deepEqual(c.digestAlgorithms, ['SHA-256']);
      assert.equal(c.authFailBlockAfter, 9);
      assert.equal(c.logLevel, 'error');
    });

    it('an empty variable is ignored', () => {
      assert.equal(parse([], { PBX_SIP_PORT: '' }).sipPort, 5060);
    });

    it('flags MUST win over the environment', () => {
      const c = parse(['--sip-port', '5080', '--realm', 'flag.example'], {
        PBX_SIP_PORT: '5070',
        PBX_REALM: 'env.example',
        PBX_HTTP_PORT: '8181',
      });
      assert.equal(c.sipPort, 5080);
      assert.equal(c.realm, 'flag.example');
      assert.equal(c.httpPort, 8181, 'variables without a flag still apply');
    });

    it('variables that are not PBX_<flag> are ignored', () => {
      assert.doesNotThrow(() => parse([], { PBX_NOT_A_FLAG: 'x', SIP_PORT: 'abc' }));
    });
  });

  describe('errors name the flag', () => {
    const cases: Array<[string[], string, RegExp]> = [
      [['--sip-port', 'abc'], 'sip-port', /--sip-port: "abc" is not a whole number/],
      [['--sip-port', '70000'], 'sip-port', /--sip-port: 70000 is not a port number/],
      [['--http-port=-1'], 'http-port', /--http-port/],
      [['--auth-fail-slow', '2.5'], 'auth-fail-slow', /--auth-fail-slow/],
      [['--log-level', 'loud'], 'log-level', /--log-level: "loud" is not one of/],
      [['--sip-trace=maybe'], 'sip-trace', /--sip-trace: "maybe" is not true or false/],
      [['--rtp-ports', '10000'], 'rtp-ports', /--rtp-ports: "10000" is not a range/],
      [['--rtp-ports', '1000-2000'], 'rtp-ports', /1024 <= A < B <= 65535/],
      [['--rtp-ports', '20000-10000'], 'rtp-ports', /--rtp-ports/],
      [['--rtp-ports', '10000-70000'], 'rtp-ports', /--rtp-ports/],
      [['--digest-algorithms', 'SHA-1'], 'digest-algorithms', /must list MD5 and\/or SHA-256/],
      [['--digest-algorithms', 'MD5,md5'], 'digest-algorithms', /names an algorithm twice/],
      [['--digest-algorithms='], 'digest-algorithms', /--digest-algorithms/],
      [['--data-dir='], 'data-dir', /--data-dir: must not be empty/],
      [['--realm'], 'realm', /--realm needs a value/],
      [['--no-such-flag', '1'], 'no-such-flag', /unknown flag --no-such-flag/],
      [['stray'], 'stray', /unexpected argument "stray"/],
      [['--min-expires', '7200'], 'min-expires', /min-expires is larger than max-expires/],
    ];
    for (const [argv, field, message] of cases) {
      it(`${argv.join(' ')} → ConfigError for ${field}`, () => {
        const err = configError(() => parse(argv));
        assert.equal(err.field, field);
        assert.match(err.message, message);
      });
    }

    it('an error from the environment names the variable', () => {
      const err = configError(() => parse([], { PBX_SIP_PORT: 'abc' }));
      assert.equal(err.field, 'sip-port');
      assert.match(err.message, /^PBX_SIP_PORT: "abc" is not a whole number/);
    });
  });
});
