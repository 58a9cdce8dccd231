/**
 * RelayDriver over rtpengine's ng control protocol (Sipwise rtpengine, `--listen-ng`).
 *
 * References: rtpengine docs/ng_control_protocol.md (https://rtpengine.readthedocs.io/en/latest/ng_control_protocol.html),
 * sections "offer Message", "answer Message", "delete Message", "query Message". The ng fields used:
 *
 * offer / answer
 * - `call-id`, `from-tag` (required), `to-tag` (required in answer; sent in offers once known, i.e. re-INVITEs),
 *   `sdp` (the whole body; the reply's `sdp` is the rewritten one).
 *   rtpengine's `from-tag` is the tag of the side that made the *offer* — in the answer too (it is the SIP
 *   From tag of the transaction carrying the offer, as Kamailio's rtpengine module sends it). So for a
 *   re-offer by the callee (re-INVITE from the callee, or a late offer in the callee's 200) `from-tag` is
 *   the callee's tag and `to-tag` the caller's; the caller's answer to it uses the same order.
 * - `replace: ['origin', 'session-connection']`: rewrite the o= and session-level c= addresses too (the
 *   media-level c= and m= ports are always rewritten).
 * - `ICE: 'remove'`: strip ICE attributes — our phones are plain SIP phones and rtpengine is the only path.
 * - `received-from: ['IP4'|'IP6', address]`: the SIP message's source address. rtpengine trusts the SDP
 *   addresses by default (`trust address`) and learns the real source of the media from the first packets
 *   ("endpoint learning" / latching), which is what gets phones behind NAT working. With
 *   `sipSourceAddress: true` the flag `SIP-source-address` is added, so rtpengine uses `received-from`
 *   instead of the SDP's address from the start.
 * - `direction: [from, to]` (offers only): the logical interfaces (`--interface=NAME/IP`) facing the
 *   offerer and the answerer; only needed with more than one interface. Unset on single-interface setups.
 * - `flags`: extra flags (`extraFlags`), e.g. `symmetric`, `strict source`, `port latching`.
 *
 * delete
 * - `call-id`, `from-tag` (the caller's), `to-tag` when known; `delete-delay: 0` (rtpengine otherwise keeps
 *   a deleted call for `--delete-delay`, 30 s by default, still answering `query` and holding its ports).
 *   The reply carries the same statistics as `query`. An unknown call gives `result: ok` with a `warning`.
 *
 * query
 * - `call-id`. The reply has `created` (UNIX s), `tags` — per SIP tag (one per call end) a `medias` list,
 *   each media with `index` (from 1), `type`, `codec`, `streams` (RTP then RTCP) with `local port`,
 *   `endpoint` (where rtpengine sends to that end, learned address), `last packet` (UNIX s), `SSRC`, and
 *   `stats: { packets, bytes, errors }` counting what rtpengine *received from that end* — and `totals`,
 *   plus `SSRC` (per-SSRC quality from RTCP reports: `average MOS` with `jitter` in ms and `packet loss` in
 *   percent; only present when the endpoints exchange RTCP sender/receiver reports).
 *
 * Errors: `result: error` with `error-reason` becomes RelayError — 488 for SDP problems ("Failed to parse
 * SDP", "Incomplete SDP specification", …), 503 otherwise (unknown call, out of ports, load limit). No
 * answer from any instance within the retry budget is a RelayError 503 too.
 */
import {
  RelayError,
  type AnswerRequest,
  type CallMediaStats,
  type MediaCallKey,
  type OfferRequest,
  type RelayDriver,
  type StreamDirectionStats,
  type StreamStats,
} from '../relay-driver.js';
import {
  asList,
  asNumber,
  asString,
  isDict,
  type BencodeDict,
  type BencodeInput,
  type BencodeValue,
} from './bencode.js';
import { NgClient, NgCommandError, NgError, NgTimeoutError, type PingResult } from './ng-client.js';
import { parseSdp, streamSendsBothWays } from '../sdp/index.js';

export interface RtpengineDriverOptions {
  /** rtpengine ng address(es): `host:port`, a list, or a comma-separated string. */
  servers: string | readonly string[];
  /** Per-try reply timeouts (see NgClientOptions.retryTimeoutsMs). Default [1000, 2000, 2000]. */
  retryTimeoutsMs?: readonly number[];
  /** How long an instance that timed out is avoided for new calls. Default 10 s. */
  downForMs?: number;
  /** Logical interfaces [offerer side, answerer side] for the `direction` key; unset with one interface. */
  direction?: readonly [string, string];
  /** Use the SIP source address (`received-from`) instead of the SDP's connection address. */
  sipSourceAddress?: boolean;
  /** More ng `flags` for offers and answers. */
  extraFlags?: readonly string[];
  /**
   * When set, answered calls are polled (`query`) every `pollIntervalMs` and `onMediaTimeout` fires once
   * for a call whose media has been idle this long, or that rtpengine dropped by itself (its `--timeout`).
   * As with the built-in relay, ringing (early media) and hold do not count: only an answered call whose
   * latest offer and answer both send and receive on some stream is expected to carry packets.
   */
  mediaTimeoutMs?: number;
  /** Default: a quarter of the media timeout, between 250 ms and 5 s. */
  pollIntervalMs?: number;
}

/** Most calls the driver remembers tags and answer state for. */
const MAX_TRACKED_CALLS = 100_000;

type Side = 'caller' | 'callee';

interface TrackedCall {
  callerTag: string;
  calleeTag?: string;
  answered: boolean;
  timedOut: boolean;
  /** Per side, per m-line: the side's latest description sends and receives there (not held, not declined). */
  flowing: { caller: boolean[]; callee: boolean[] };
  /**
   * Since when media is expected (the final answer, or the end of a hold): idle time before that is not a
   * timeout, so a long ring or a long hold does not end the call the moment it is answered or resumed.
   */
  expectingSinceMs: number | undefined;
}

/** Per m-line, whether a description both sends and receives there (RFC 3264 §8.4: else it is on hold). */
function flowingStreams(sdp: string): boolean[] {
  try {
    return parseSdp(sdp).streams.map(streamSendsBothWays);
  } catch {
    return []; // rtpengine refuses what we cannot parse; an unknown description never blocks a timeout
  }
}

export class RtpengineDriver implements RelayDriver {
  readonly name = 'rtpengine';
  onMediaTimeout?: (callId: string) => void;

  readonly client: NgClient;
  private readonly options: RtpengineDriverOptions;
  private readonly calls = new Map<string, TrackedCall>();
  private poller: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(options: RtpengineDriverOptions) {
    this.options = options;
    const servers =
      typeof options.servers === 'string'
        ? options.servers
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : options.servers;
    this.client = new NgClient({
      servers,
      ...(options.retryTimeoutsMs ? { retryTimeoutsMs: options.retryTimeoutsMs } : {}),
      ...(options.downForMs !== undefined ? { downForMs: options.downForMs } : {}),
    });
    if (options.mediaTimeoutMs !== undefined) {
      const every = options.pollIntervalMs ?? Math.min(5000, Math.max(250, options.mediaTimeoutMs / 4));
      this.poller = setInterval(() => void this.poll(), every);
      this.poller.unref();
    }
  }

  /** Pings every configured instance (or one); never rejects. */
  ping(server?: string): Promise<PingResult[]> {
    return this.client.ping(server);
  }

  async offer(req: OfferRequest): Promise<string> {
    const byCaller = req.from === 'caller';
    const offererTag = byCaller ? req.fromTag : req.toTag;
    if (!offererTag)
      throw new RelayError('rtpengine: an offer from the callee needs the callee tag (toTag)', 500);
    const answererTag = byCaller ? req.toTag : req.fromTag;
    const isNew = !this.calls.has(req.callId);
    this.track(req);
    try {
      const reply = await this.send(
        'offer',
        {
          ...this.sdpParams(req.sdp, req.signallingAddress),
          'call-id': req.callId,
          'from-tag': offererTag,
          'to-tag': answererTag,
          direction: this.options.direction ? [...this.options.direction] : undefined,
        },
        req.callId,
      );
      this.described(req.callId, req.from, req.sdp);
      return this.sdpOf(reply, 'offer');
    } catch (err) {
      if (isNew) this.calls.delete(req.callId); // the SIP side drops a call whose first offer failed
      throw err;
    }
  }

  async answer(req: AnswerRequest): Promise<string> {
    // The answer's from-tag is the offerer's tag: the other end than the one answering.
    const answeredByCallee = req.from === 'callee';
    const call = this.track(req);
    const reply = await this.send(
      'answer',
      {
        ...this.sdpParams(req.sdp, req.signallingAddress),
        'call-id': req.callId,
        'from-tag': answeredByCallee ? req.fromTag : req.toTag,
        'to-tag': answeredByCallee ? req.toTag : req.fromTag,
      },
      req.callId,
    );
    // Early media (an answer in a 183) does not answer the call: ringing is not a media timeout.
    if (!req.provisional) call.answered = true;
    this.described(req.callId, req.from, req.sdp);
    return this.sdpOf(reply, 'answer');
  }

  async delete(key: MediaCallKey): Promise<CallMediaStats | undefined> {
    const tracked = this.calls.get(key.callId);
    this.calls.delete(key.callId);
    let reply: BencodeDict;
    let warning: string | undefined;
    try {
      const r = await this.client.request(
        'delete',
        { 'call-id': key.callId, 'from-tag': key.fromTag, 'to-tag': key.toTag, 'delete-delay': 0 },
        { callId: key.callId },
      );
      reply = r.dict;
      warning = r.warning;
    } catch (err) {
      throw toRelayError(err);
    } finally {
      this.client.forget(key.callId);
    }
    if (warning !== undefined && !isDict(reply['tags'])) return undefined; // unknown call
    return mapCallStats(reply, key.callId, key.fromTag, key.toTag ?? tracked?.calleeTag);
  }

  async query(callId: string): Promise<CallMediaStats | undefined> {
    const reply = await this.queryRaw(callId);
    if (!reply) return undefined;
    const tracked = this.calls.get(callId);
    return mapCallStats(reply, callId, tracked?.callerTag, tracked?.calleeTag);
  }

  /** The raw `query` reply, or undefined when rtpengine does not know the call. */
  async queryRaw(callId: string): Promise<BencodeDict | undefined> {
    try {
      const r = await this.client.request('query', { 'call-id': callId }, { callId });
      return r.dict;
    } catch (err) {
      if (err instanceof NgCommandError && /unknown call/i.test(err.reason)) return undefined;
      throw toRelayError(err);
    }
  }

  async close(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    this.calls.clear();
    await this.client.close();
  }

  // ------------------------------------------------------------------------------------------ internals

  private track(key: MediaCallKey): TrackedCall {
    let call = this.calls.get(key.callId);
    if (!call) {
      call = {
        callerTag: key.fromTag,
        answered: false,
        timedOut: false,
        flowing: { caller: [], callee: [] },
        expectingSinceMs: undefined,
      };
      this.calls.set(key.callId, call);
      if (this.calls.size > MAX_TRACKED_CALLS) {
        // Calls never deleted (signalling lost them): forget the oldest rather than grow without bound.
        const oldest = this.calls.keys().next();
        if (!oldest.done) this.calls.delete(oldest.value);
      }
    }
    if (key.toTag) call.calleeTag = key.toTag;
    return call;
  }

  /** Notes a side's new description, and whether the call now expects media (answered, some stream both ways). */
  private described(callId: string, side: Side, sdp: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    call.flowing[side] = flowingStreams(sdp);
    const expecting = call.answered && expectsMedia(call);
    if (!expecting) call.expectingSinceMs = undefined;
    else call.expectingSinceMs ??= Date.now();
  }

  private sdpParams(sdp: string, signallingAddress: string): { [key: string]: BencodeInput | undefined } {
    const flags = [
      ...(this.options.sipSourceAddress ? ['SIP-source-address'] : []),
      ...(this.options.extraFlags ?? []),
    ];
    return {
      sdp,
      'received-from': receivedFrom(signallingAddress),
      replace: ['origin', 'session-connection'],
      ICE: 'remove',
      flags: flags.length ? flags : undefined,
    };
  }

  private async send(
    command: 'offer' | 'answer',
    params: { [key: string]: BencodeInput | undefined },
    callId: string,
  ): Promise<BencodeDict> {
    try {
      return (await this.client.request(command, params, { callId })).dict;
    } catch (err) {
      throw toRelayError(err);
    }
  }

  private sdpOf(reply: BencodeDict, command: string): string {
    const sdp = asString(reply['sdp']);
    if (!sdp) throw new RelayError(`rtpengine: '${command}' reply has no SDP`, 503);
    return sdp;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const limit = this.options.mediaTimeoutMs ?? Infinity;
      for (const [callId, call] of [...this.calls]) {
        const since = call.expectingSinceMs;
        if (call.timedOut || since === undefined) continue; // set only once answered and not on hold
        let idle: number;
        try {
          const reply = await this.queryRaw(callId);
          const now = Date.now();
          idle = reply
            ? Math.min(mapCallStats(reply, callId, call.callerTag, call.calleeTag, now).idleMs, now - since)
            : Infinity;
        } catch {
          continue; // rtpengine unreachable: that is not a media timeout
        }
        // Still the same call, and not put on hold while the query was out.
        if (idle >= limit && this.calls.get(callId) === call && call.expectingSinceMs === since) {
          call.timedOut = true;
          this.onMediaTimeout?.(callId);
        }
      }
    } finally {
      this.polling = false;
    }
  }
}

// ---------------------------------------------------------------------------------------------- helpers

/** Some stream sends both ways in both sides' latest descriptions (a call on hold may stay silent). */
function expectsMedia(call: TrackedCall): boolean {
  return call.flowing.caller.some((flows, i) => flows && call.flowing.callee[i] === true);
}

/** `received-from` from a signalling address (`ip`, `ip:port`, `[v6]:port`); undefined if not an IP. */
export function receivedFrom(address: string): [string, string] | undefined {
  const a = address.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed?.[1]) return ['IP6', bracketed[1]];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(a);
  if (v4?.[1]) return ['IP4', v4[1]];
  if (/^[0-9a-f:.]+$/i.test(a) && a.includes(':')) return ['IP6', a];
  return undefined;
}

/** SDP problems are the offerer's fault (488); everything else is ours (503). */
export function sipStatusForReason(reason: string): number {
  const sdpProblem = /\b(sdp|codec|media|stream|protocol|transport|crypto|ice|dtls)/i.test(reason);
  const outOfPorts = /\bports?\b/i.test(reason);
  return sdpProblem && !outOfPorts ? 488 : 503;
}

export function toRelayError(err: unknown): RelayError {
  if (err instanceof RelayError) return err;
  if (err instanceof NgCommandError)
    return new RelayError(`rtpengine: ${err.reason}`, sipStatusForReason(err.reason));
  if (err instanceof NgTimeoutError) return new RelayError(`rtpengine: no answer (${err.message})`, 503);
  if (err instanceof NgError) return new RelayError(`rtpengine: ${err.message}`, 503);
  return new RelayError(`rtpengine: ${(err as Error)?.message ?? String(err)}`, 503);
}

/**
 * Maps a `query` (or `delete`) reply to CallMediaStats. `callerTag` picks the caller's side; without it the
 * first tag rtpengine lists is taken (rtpengine lists the call's ends in creation order). Stats of a tag's
 * stream count the packets rtpengine received from that end, so the caller's tag gives callerToCallee.
 */
export function mapCallStats(
  reply: BencodeDict,
  callId: string,
  callerTag?: string,
  calleeTag?: string,
  nowMs: number = Date.now(),
): CallMediaStats {
  const tags = isDict(reply['tags']) ? reply['tags'] : {};
  const tagNames = Object.keys(tags);
  const caller = callerTag !== undefined && isDict(tags[callerTag]) ? callerTag : tagNames[0];
  const callerEntry = caller !== undefined ? tags[caller] : undefined;
  let callee = calleeTag !== undefined && isDict(tags[calleeTag]) ? calleeTag : undefined;
  if (callee === undefined && isDict(callerEntry)) {
    // rtpengine 10.x lists `subscribers` (offer/answer peers); older versions `in dialogue with`.
    const peer =
      asString(callerEntry['in dialogue with']) ??
      asList(callerEntry['subscribers'])
        .map((s) => (isDict(s) ? asString(s['tag']) : undefined))
        .find((t) => t !== undefined && isDict(tags[t]));
    callee = peer !== undefined && isDict(tags[peer]) ? peer : tagNames.find((t) => t !== caller);
  }
  const calleeEntry = callee !== undefined ? tags[callee] : undefined;
  const ssrcStats = isDict(reply['SSRC']) ? reply['SSRC'] : {};

  const callerMedias = medias(callerEntry);
  const calleeMedias = medias(calleeEntry);
  const indexes = [...new Set([...callerMedias.keys(), ...calleeMedias.keys()])].sort((a, b) => a - b);
  let lastPacketS = 0;
  const streams: StreamStats[] = indexes.map((index) => {
    const cm = callerMedias.get(index);
    const em = calleeMedias.get(index);
    const forward = directionStats(cm, ssrcStats);
    const backward = directionStats(em, ssrcStats);
    lastPacketS = Math.max(lastPacketS, forward.lastPacketS, backward.lastPacketS);
    return {
      index: index - 1, // rtpengine numbers media from 1; ours is the 0-based m-line index
      media: asString(cm?.['type']) ?? asString(em?.['type']) ?? 'audio',
      codec: asString(cm?.['codec']) ?? asString(em?.['codec']) ?? null,
      callerToCallee: forward.stats,
      calleeToCaller: backward.stats,
    };
  });
  const createdMs =
    (asNumber(reply['created']) ?? 0) * 1000 + Math.floor((asNumber(reply['created_us']) ?? 0) / 1000);
  const lastMs = lastPacketS > 0 ? lastPacketS * 1000 : createdMs;
  return { callId, streams, idleMs: lastMs > 0 ? Math.max(0, nowMs - lastMs) : 0 };
}

function medias(entry: BencodeValue | undefined): Map<number, BencodeDict> {
  const out = new Map<number, BencodeDict>();
  if (!isDict(entry)) return out;
  asList(entry['medias']).forEach((m, i) => {
    if (isDict(m)) out.set(asNumber(m['index']) ?? i + 1, m);
  });
  return out;
}

function directionStats(
  media: BencodeDict | undefined,
  ssrcStats: BencodeDict,
): { stats: StreamDirectionStats; lastPacketS: number } {
  const empty = { stats: { packets: 0, bytes: 0, lost: 0, jitterMs: 0, source: null }, lastPacketS: 0 };
  if (!media) return empty;
  const streams = asList(media['streams']).filter(isDict);
  const rtp =
    streams.find((s) => asList(s['flags']).some((f) => asString(f) === 'RTP')) ??
    streams.find((s) => !asList(s['flags']).some((f) => asString(f) === 'RTCP'));
  if (!rtp) return empty;
  const st = isDict(rtp['stats']) ? rtp['stats'] : {};
  // The RTCP stream (separate port, or none with rtcp-mux) counts the RTCP packets from this end.
  const rtcp = streams.find((s) => s !== rtp && asList(s['flags']).some((f) => asString(f) === 'RTCP'));
  const rtcpStats = rtcp && isDict(rtcp['stats']) ? rtcp['stats'] : undefined;
  const rtcpPackets = asNumber(rtcpStats?.['packets']) ?? 0;
  const packets = asNumber(st['packets']) ?? 0;
  const bytes = asNumber(st['bytes']) ?? 0;
  const ep = isDict(rtp['endpoint']) ? rtp['endpoint'] : undefined;
  const epAddr = asString(ep?.['address']);
  const epPort = asNumber(ep?.['port']);
  const source =
    packets > 0 && epAddr && epPort !== undefined
      ? `${epAddr.includes(':') ? `[${epAddr}]` : epAddr}:${epPort}`
      : null;
  // Quality from RTCP reports about this end's SSRC (only when the phones send RTCP SR/RR).
  let lost = 0;
  let jitterMs = 0;
  const ssrc = asNumber(rtp['SSRC']);
  const q = ssrc !== undefined ? ssrcStats[String(ssrc)] : undefined;
  const avg = isDict(q) && isDict(q['average MOS']) ? q['average MOS'] : undefined;
  if (avg) {
    jitterMs = asNumber(avg['jitter']) ?? 0;
    const pct = asNumber(avg['packet loss']) ?? 0;
    if (pct > 0 && pct < 100) lost = Math.round((packets * pct) / (100 - pct));
  }
  return {
    stats: { packets, bytes, lost, jitterMs, source, rtcpPackets, qualityMeasured: avg !== undefined },
    lastPacketS: packets > 0 ? (asNumber(rtp['last packet']) ?? 0) : 0,
  };
}
