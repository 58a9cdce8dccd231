/** The pure parts of RtpengineDriver: query-reply → CallMediaStats, error → SIP status, received-from. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RelayError } from '../../../engine/media/relay-driver.js';
import type { BencodeDict } from '../../../engine/media/rtpengine/bencode.js';
import { NgCommandError, NgTimeoutError } from '../../../engine/media/rtpengine/ng-client.js';
import {
  mapCallStats,
  receivedFrom,
  sipStatusForReason,
  toRelayError,
} from '../../../engine/media/rtpengine/rtpengine-driver.js';

function stream(
  localPort: number,
  peerPort: number,
  packets: number,
  lastPacket: number,
  ssrc?: number,
): BencodeDict {
  return {
    'local port': localPort,
    endpoint: { family: 'IPv4', address: '192.0.2.7', port: peerPort },
    'last packet': lastPacket,
    flags: ['RTP', 'filled'],
    ...(ssrc !== undefined ? { SSRC: ssrc } : {}),
    stats: { packets, bytes: packets * 172, errors: 0 },
  };
}
function rtcp(localPort: number, packets = 0): BencodeDict {
  return {
    'local port': localPort,
    'last packet': 1_700_000_000,
    flags: ['RTCP'],
    stats: { packets, bytes: packets * 32, errors: 0 },
  };
}

/** Shaped like rtpengine 10.5's reply (see rtpengine-driver.test.ts for the live one). */
const reply: BencodeDict = {
  created: 1_700_000_000,
  created_us: 500_000,
  'last signal': 1_700_000_000,
  SSRC: {
    '4660': { 'average MOS': { MOS: 43, 'round-trip time': 2000, jitter: 7, 'packet loss': 10, samples: 3 } },
  },
  tags: {
    // The callee is listed first here, to show the caller's tag is what decides direction.
    'callee-tag': {
      tag: 'callee-tag',
      'in dialogue with': 'caller-tag',
      medias: [
        {
          index: 1,
          type: 'audio',
          codec: 'PCMA/8000',
          streams: [stream(30000, 6000, 45, 1_700_000_009), rtcp(30001)],
        },
      ],
    },
    'caller-tag': {
      tag: 'caller-tag',
      subscribers: [{ tag: 'callee-tag', type: 'offer/answer' }],
      medias: [
        {
          index: 1,
          type: 'audio',
          codec: 'PCMA/8000',
          streams: [stream(30010, 5000, 90, 1_700_000_010, 4660), rtcp(30011, 3)],
        },
        { index: 2, type: 'video', streams: [stream(30020, 5002, 0, 1_700_000_000)] },
      ],
    },
  },
  totals: { RTP: { packets: 135, bytes: 23220, errors: 0 }, RTCP: { packets: 0, bytes: 0, errors: 0 } },
  result: 'ok',
};

describe('mapCallStats', () => {
  it('maps per-tag streams to directions, 0-based indexes, sources, RTCP quality and idle time', () => {
    const s = mapCallStats(reply, 'cid', 'caller-tag', 'callee-tag', 1_700_000_012_000);
    assert.equal(s.callId, 'cid');
    assert.equal(s.idleMs, 2000, 'since the newest packet (UNIX seconds)');
    assert.equal(s.streams.length, 2);
    const [audio, video] = s.streams;
    assert.deepEqual(audio, {
      index: 0,
      media: 'audio',
      codec: 'PCMA/8000',
      callerToCallee: {
        packets: 90,
        bytes: 90 * 172,
        lost: 10,
        jitterMs: 7,
        source: '192.0.2.7:5000',
        rtcpPackets: 3,
        qualityMeasured: true,
      },
      calleeToCaller: {
        packets: 45,
        bytes: 45 * 172,
        lost: 0,
        jitterMs: 0,
        source: '192.0.2.7:6000',
        rtcpPackets: 0,
        qualityMeasured: false, // no RTCP report about this end's SSRC: loss and jitter are unknown, not 0
      },
    });
    assert.equal(video?.index, 1);
    assert.equal(video?.media, 'video');
    assert.equal(video?.codec, null);
    assert.equal(video?.callerToCallee.source, null, 'no packets: no learned source');
    assert.equal(video?.calleeToCaller.packets, 0);
  });

  it('finds the peer without our bookkeeping (driver restarted)', () => {
    const s = mapCallStats(reply, 'cid', 'caller-tag', undefined, 1_700_000_012_000);
    assert.equal(s.streams[0]?.calleeToCaller.packets, 45);
    const first = mapCallStats(reply, 'cid', undefined, undefined, 1_700_000_012_000);
    assert.equal(first.streams[0]?.callerToCallee.packets, 45, 'first listed tag taken as the caller');
  });

  it('without packets, idle time counts from creation; empty replies map to no streams', () => {
    const quiet: BencodeDict = {
      created: 1_700_000_000,
      created_us: 250_000,
      tags: { a: { medias: [{ index: 1, type: 'audio', streams: [stream(1, 2, 0, 1_700_000_000)] }] } },
    };
    assert.equal(mapCallStats(quiet, 'x', 'a', undefined, 1_700_000_001_250).idleMs, 1000);
    assert.deepEqual(mapCallStats({ result: 'ok' }, 'x'), { callId: 'x', streams: [], idleMs: 0 });
    assert.deepEqual(mapCallStats({ tags: 'garbage', created: 'x' } as BencodeDict, 'x').streams, []);
  });
});

describe('rtpengine errors', () => {
  it('SDP problems are 488, everything else 503', () => {
    for (const r of ['Failed to parse SDP', 'Incomplete SDP specification', 'Unsupported transport protocol'])
      assert.equal(sipStatusForReason(r), 488, r);
    for (const r of ['Unknown call-id', 'Ran out of ports', 'load limit', 'No to-tag in message'])
      assert.equal(sipStatusForReason(r), 503, r);
  });

  it('toRelayError wraps ng errors', () => {
    const e1 = toRelayError(new NgCommandError('offer', 'Failed to parse SDP', 'error', 's'));
    assert.ok(e1 instanceof RelayError);
    assert.equal(e1.sipStatus, 488);
    assert.equal(e1.message, 'rtpengine: Failed to parse SDP');
    assert.equal(toRelayError(new NgTimeoutError('offer', ['a:1'], 5000)).sipStatus, 503);
    const same = new RelayError('x', 488);
    assert.equal(toRelayError(same), same);
    assert.equal(toRelayError('weird').sipStatus, 503);
  });
});

describe('receivedFrom', () => {
  it('parses signalling addresses', () => {
    assert.deepEqual(receivedFrom('198.51.100.4:5060'), ['IP4', '198.51.100.4']);
    assert.deepEqual(receivedFrom('198.51.100.4'), ['IP4', '198.51.100.4']);
    assert.deepEqual(receivedFrom('[2001:db8::1]:5060'), ['IP6', '2001:db8::1']);
    assert.deepEqual(receivedFrom('2001:db8::1'), ['IP6', '2001:db8::1']);
    assert.equal(receivedFrom('phone.example.com:5060'), undefined);
    assert.equal(receivedFrom(''), undefined);
  });
});
