// Message-waiting indication in the running service (RFC 3842 over RFC 6665), with a scripted phone over
// real UDP: a SUBSCRIBE to one's own mailbox is answered by the server itself (200, then a NOTIFY at once);
// leaving a message, marking it heard, refreshing, unsubscribing, letting it expire, refusing a NOTIFY
// (481) and deleting the user each show up as the RFC says. Registered phones that do not subscribe get
// unsolicited NOTIFYs when the counts change and once when they register with messages in the box.
// Refusals: someone else's box 403, nobody's 404, bad Expires 400, too brief 423, unknown events 489.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEngine, type RunningEngine } from '../support/engine-process.js';
import { sleep, SipPhone, tagOf, type SipMessage } from '../support/sip-phone.js';
import { leaveVoicemail } from '../support/voicemail-caller.js';

interface MessageView {
  id: number;
  heard: boolean;
}

const USERS = ['201', '202', '203', '205', '206', '207'];
const secret = (ext: string): string => `Secret-${ext}x`;
/** Leaves the messages (dialling *<extension> through the proxy). */
const CALLER = { user: '290', password: secret('290') };

/** The three lines of an application/simple-message-summary body. */
function summary(n: SipMessage): { waiting: string; account: string; voice: string } {
  const line = (name: string): string =>
    new RegExp(`^${name}:\\s*(.*?)\\s*$`, 'm').exec(n.body)?.[1] ?? `(no ${name})`;
  return {
    waiting: line('Messages-Waiting'),
    account: line('Message-Account'),
    voice: line('Voice-Message'),
  };
}

describe('message-waiting indication in the running service', () => {
  let engine: RunningEngine;
  const base = 30000 + 2 * Math.floor(Math.random() * 1300);
  const phones: SipPhone[] = [];

  before(async () => {
    engine = await startEngine({
      args: [
        '--apps-rtp-ports',
        `${base}-${base + 19}`,
        '--qualify-interval',
        '0',
        // Short subscriptions may be asked for, so that expiry can be watched.
        '--min-expires',
        '2',
      ],
    });
    for (const ext of [...USERS, CALLER.user]) {
      const r = await engine.api('POST', '/api/users', {
        extension: ext,
        name: `User ${ext}`,
        secret: secret(ext),
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
  });

  after(async () => {
    for (const p of phones) p.close();
    await engine?.stop();
  });

  async function phone(ext: string): Promise<SipPhone> {
    const p = await SipPhone.open({ pbxPort: engine.sipPort, user: ext, password: secret(ext) });
    phones.push(p);
    return p;
  }

  /**
   * NOTIFYs already taken (Call-ID and CSeq): one that waited in the inbox while a test was busy was
   * retransmitted over UDP meanwhile, and its copies are not new NOTIFYs.
   */
  const taken = new Set<string>();
  const fresh = (m: SipMessage): boolean =>
    m.isRequest && m.method === 'NOTIFY' && !taken.has(`${m.callId} ${m.cseq}`);
  const take = (m: SipMessage | undefined): SipMessage | undefined => {
    if (m) taken.add(`${m.callId} ${m.cseq}`);
    return m;
  };

  const notifyIn = async (p: SipPhone, callId: string, ms = 3000): Promise<SipMessage> =>
    take(await p.waitFor(`a NOTIFY in ${callId}`, (m) => fresh(m) && m.callId === callId, ms))!;

  /** A NOTIFY outside any dialog (no To tag): an unsolicited one. */
  const unsolicited = async (p: SipPhone, ms = 3000): Promise<SipMessage | undefined> =>
    take(await p.maybe((m) => fresh(m) && tagOf(m.header('to') ?? '') === undefined, ms));

  async function messages(ext: string): Promise<MessageView[]> {
    const r = await engine.api<MessageView[]>('GET', `/api/voicemail/${ext}`);
    assert.equal(r.status, 200);
    return r.body;
  }

  async function setHeard(ext: string, id: number, heard: boolean): Promise<void> {
    const r = await engine.api('PUT', `/api/voicemail/${ext}/${id}`, { heard });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }

  it('a subscribed phone: NOTIFY at once, on a new message, when it is heard; refresh; unsubscribe', async () => {
    const p = await phone('201');
    await p.register();
    const { response, dialog } = await p.subscribe('201', 'message-summary', [
      'Expires: 600',
      'Accept: application/simple-message-summary',
    ]);
    assert.equal(response.status, 200, response.raw);
    assert.equal(response.header('expires'), '600');
    assert.ok(tagOf(response.header('to') ?? ''), 'the 200 carries our To tag');
    assert.match(response.header('contact') ?? '', /^<sip:201@127\.0\.0\.1:\d+;transport=udp>$/);
    assert.ok(dialog);

    const first = await notifyIn(p, dialog.callId);
    p.respond(first, 200, 'OK');
    assert.equal(first.header('event'), 'message-summary');
    assert.match(first.header('subscription-state') ?? '', /^active;expires=(600|599)$/);
    assert.equal(first.header('content-type'), 'application/simple-message-summary');
    assert.equal(
      tagOf(first.header('from') ?? ''),
      tagOf(response.header('to') ?? ''),
      'NOTIFY in the dialog',
    );
    assert.equal(first.header('to'), dialog.local);
    assert.deepEqual(summary(first), {
      waiting: 'no',
      account: `sip:*97@127.0.0.1:${engine.sipPort}`,
      voice: '0/0 (0/0)',
    });

    await leaveVoicemail(engine.sipPort, CALLER, '201');
    const waiting = await notifyIn(p, dialog.callId, 5000);
    p.respond(waiting, 200, 'OK');
    assert.equal(summary(waiting).waiting, 'yes');
    assert.equal(summary(waiting).voice, '1/0 (0/0)');
    assert.ok(waiting.cseq > first.cseq, 'CSeq counts up');

    const [m] = await messages('201');
    assert.ok(m);
    await setHeard('201', m.id, true);
    const heard = await notifyIn(p, dialog.callId);
    p.respond(heard, 200, 'OK');
    assert.equal(summary(heard).waiting, 'no');
    assert.equal(summary(heard).voice, '0/1 (0/0)');

    // Marked heard again: the counts stay, nothing is sent.
    await setHeard('201', m.id, true);
    assert.equal(await p.maybe(fresh, 800), undefined);

    // A refresh: 200 with the new duration and a NOTIFY with the state (RFC 6665 §4.2.1.2).
    p.sendInDialog(dialog, 'SUBSCRIBE', { headers: ['Event: message-summary', 'Expires: 300'] });
    const refreshed = await p.waitFor(
      'the 200 to the refresh',
      (x) => !x.isRequest && x.method === 'SUBSCRIBE',
    );
    assert.equal(refreshed.status, 200, refreshed.raw);
    assert.equal(refreshed.header('expires'), '300');
    const afterRefresh = await notifyIn(p, dialog.callId);
    p.respond(afterRefresh, 200, 'OK');
    assert.match(afterRefresh.header('subscription-state') ?? '', /^active;expires=(300|299)$/);
    assert.equal(summary(afterRefresh).voice, '0/1 (0/0)');

    // Unsubscribe: 200 with Expires 0, then the final NOTIFY.
    p.sendInDialog(dialog, 'SUBSCRIBE', { headers: ['Event: message-summary', 'Expires: 0'] });
    const unsub = await p.waitFor(
      'the 200 to the unsubscribe',
      (x) => !x.isRequest && x.method === 'SUBSCRIBE',
    );
    assert.equal(unsub.status, 200);
    assert.equal(unsub.header('expires'), '0');
    const last = await notifyIn(p, dialog.callId);
    p.respond(last, 200, 'OK');
    assert.match(last.header('subscription-state') ?? '', /^terminated/);

    // Gone: a further refresh is 481; and a subscribed phone never got an unsolicited NOTIFY.
    p.sendInDialog(dialog, 'SUBSCRIBE', { headers: ['Event: message-summary', 'Expires: 300'] });
    const gone = await p.waitFor(
      'the answer to a refresh after the end',
      (x) => !x.isRequest && x.method === 'SUBSCRIBE',
    );
    assert.equal(gone.status, 481);
    const stray = p.log.filter((x) => x.direction === 'in' && x.isRequest && x.callId !== dialog.callId);
    assert.deepEqual(stray, [], 'no unsolicited NOTIFY to a phone that subscribes');
  });

  it('ends a subscription that is not refreshed: NOTIFY terminated;reason=timeout', async () => {
    const p = await phone('202');
    const { response, dialog } = await p.subscribe('202', 'message-summary', ['Expires: 2']);
    assert.equal(response.status, 200);
    assert.equal(response.header('expires'), '2');
    assert.ok(dialog);
    const first = await notifyIn(p, dialog.callId);
    p.respond(first, 200, 'OK');
    const end = await notifyIn(p, dialog.callId, 5000);
    p.respond(end, 200, 'OK');
    assert.equal(end.header('subscription-state'), 'terminated;reason=timeout');
    assert.ok(end.at - first.at >= 1800, `${end.at - first.at} ms`);
  });

  it('ends a subscription whose NOTIFY is answered 481', async () => {
    const p = await phone('205');
    const { dialog } = await p.subscribe('205', 'message-summary', ['Expires: 600']);
    assert.ok(dialog);
    const first = await notifyIn(p, dialog.callId);
    p.respond(first, 481, 'Call/Transaction Does Not Exist');
    await sleep(300);
    p.sendInDialog(dialog, 'SUBSCRIBE', { headers: ['Event: message-summary', 'Expires: 600'] });
    const r = await p.waitFor('the answer to the refresh', (x) => !x.isRequest && x.method === 'SUBSCRIBE');
    assert.equal(r.status, 481, 'the subscription is gone');
    assert.match(engine.logs(), /message-waiting subscription ended.*NOTIFY answered 481/);
  });

  it('ends the subscriptions of a deleted user with reason=noresource', async () => {
    const p = await phone('206');
    const { dialog } = await p.subscribe('206', 'message-summary');
    assert.ok(dialog);
    const first = await notifyIn(p, dialog.callId);
    p.respond(first, 200, 'OK');
    // No Expires asked: the default (an hour, bounded by --max-expires).
    assert.match(first.header('subscription-state') ?? '', /^active;expires=(3600|3599)$/);
    assert.equal((await engine.api('DELETE', '/api/users/206')).status, 204);
    const end = await notifyIn(p, dialog.callId);
    p.respond(end, 200, 'OK');
    assert.equal(end.header('subscription-state'), 'terminated;reason=noresource');
  });

  it('refuses what it must: another box, nobody, bad or too brief Expires, unknown events to the server', async () => {
    const p = await phone('202');
    const other = await p.subscribe('201', 'message-summary');
    assert.equal(other.response.status, 403, other.response.raw);
    const nobody = await p.subscribe('999', 'message-summary');
    assert.equal(nobody.response.status, 404);
    const bad = await p.subscribe('202', 'message-summary', ['Expires: soon']);
    assert.equal(bad.response.status, 400);
    assert.match(bad.response.reason, /Expires/);
    const brief = await p.subscribe('202', 'message-summary', ['Expires: 1']);
    assert.equal(brief.response.status, 423);
    assert.equal(brief.response.header('min-expires'), '2');
    const accept = await p.subscribe('202', 'message-summary', ['Accept: application/pidf+xml']);
    assert.equal(accept.response.status, 406);
    const event = await p.subscribe('*97', 'presence');
    assert.equal(event.response.status, 489);
    assert.equal(event.response.header('allow-events'), 'message-summary');
    const noEvent = await p.request('SUBSCRIBE', `sip:127.0.0.1:${engine.sipPort}`, ['Expires: 60']);
    assert.equal(noEvent.response.status, 400);
    assert.match(noEvent.response.reason, /Event/);
  });

  it('keeps at most 10 subscriptions per mailbox: the 11th ends the oldest', async () => {
    const p = await phone('207');
    const dialogs: string[] = [];
    for (let i = 0; i < 11; i++) {
      const { response, dialog } = await p.subscribe('207', 'message-summary', ['Expires: 600']);
      assert.equal(response.status, 200);
      assert.ok(dialog);
      dialogs.push(dialog.callId);
      p.respond(await notifyIn(p, dialog.callId), 200, 'OK');
    }
    const end = await notifyIn(p, dialogs[0]!);
    p.respond(end, 200, 'OK');
    assert.equal(end.header('subscription-state'), 'terminated;reason=timeout');
    assert.equal(
      await p.maybe((m) => fresh(m) && m.callId !== dialogs[0], 500),
      undefined,
      'the others stay',
    );
  });

  it('takes a SUBSCRIBE to the voicemail number (Yealink subscribe_mwi_to_vm) as one to the own box', async () => {
    const p = await phone('202');
    const { response, dialog } = await p.subscribe('*97', 'message-summary', ['Expires: 60']);
    assert.equal(response.status, 200, response.raw);
    assert.ok(dialog);
    const first = await notifyIn(p, dialog.callId);
    p.respond(first, 200, 'OK');
    assert.equal(summary(first).voice, '0/0 (0/0)');
    p.sendInDialog(dialog, 'SUBSCRIBE', { headers: ['Event: message-summary', 'Expires: 0'] });
    const last = await notifyIn(p, dialog.callId);
    p.respond(last, 200, 'OK');
    assert.match(last.header('subscription-state') ?? '', /^terminated/);
  });

  it('forwards other event packages to the phones as before (presence to a registered extension)', async () => {
    const watched = await phone('207');
    await watched.register();
    const watcher = await phone('202');
    const pending = watcher.subscribe('207', 'presence', ['Expires: 60']);
    const sub = await watched.waitFor(
      'the forwarded SUBSCRIBE',
      (m) => m.isRequest && m.method === 'SUBSCRIBE',
    );
    assert.equal(sub.header('event'), 'presence');
    watched.respond(sub, 200, 'OK', { headers: ['Expires: 60', `Contact: ${watched.contact}`] });
    assert.equal((await pending).response.status, 200);
  });

  it('unsolicited NOTIFYs to a registered phone that does not subscribe: on changes and when it registers', async () => {
    const p = await phone('203');
    await p.register();
    assert.equal(await unsolicited(p, 2000), undefined, 'an empty mailbox: nothing when it registers');

    await leaveVoicemail(engine.sipPort, CALLER, '203');
    const yes = await unsolicited(p, 5000);
    assert.ok(yes, 'a NOTIFY when a message is left');
    p.respond(yes, 200, 'OK');
    assert.equal(yes.uri, `sip:203@127.0.0.1:${p.port}`, 'sent to the registered contact');
    assert.equal(yes.header('event'), 'message-summary');
    assert.equal(yes.header('subscription-state'), 'active');
    assert.equal(yes.header('content-type'), 'application/simple-message-summary');
    assert.equal(summary(yes).waiting, 'yes');
    assert.equal(summary(yes).voice, '1/0 (0/0)');

    const [m] = await messages('203');
    assert.ok(m);
    await setHeard('203', m.id, true);
    const no = await unsolicited(p);
    assert.ok(no, 'a NOTIFY when it is heard');
    p.respond(no, 200, 'OK');
    assert.equal(summary(no).waiting, 'no');
    assert.equal(summary(no).voice, '0/1 (0/0)');
    assert.notEqual(no.callId, yes.callId, 'each unsolicited NOTIFY is its own transaction');

    // A registration refresh sends nothing; a phone newly registering while a message waits gets one.
    await setHeard('203', m.id, false);
    const again = await unsolicited(p);
    assert.ok(again);
    p.respond(again, 200, 'OK');
    await p.register();
    const second = await phone('203');
    await second.register();
    const onRegister = await unsolicited(second, 5000);
    assert.ok(onRegister, 'the newly registered phone hears of the waiting message');
    second.respond(onRegister, 200, 'OK');
    assert.equal(summary(onRegister).waiting, 'yes');
    assert.equal(await unsolicited(p, 2500), undefined, 'the refreshed registration got nothing');
  });
});
