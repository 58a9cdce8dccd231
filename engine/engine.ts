import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineConfig } from './config/index.js';
import { LogRoot, type Logger } from './log/index.js';
import { openDatabase } from './store/open-database.js';
import { SettingsStore } from './store/settings-store.js';
import { BindingRepository } from './store/binding-repository.js';
import { CdrRepository } from './store/cdr-repository.js';
import { cdrFromCall } from './store/cdr-from-call.js';
import { CdrWriter } from './store/cdr-writer.js';
import type { Database } from './store/database-types.js';
import { UserDirectory } from './directory/user-directory.js';
import { ApiServer } from './http/api-server.js';
import type { ApiSources, RegistrationView } from './http/api-sources.js';
import { ADVERTISE_SETTING } from './http/console-routes.js';
import { LiveEvents } from './http/live-events.js';
import { startOfLocalDay, type EngineStatus } from './status.js';
import { AuthGuard } from './sip/auth/auth-guard.js';
import { DigestAuthenticator } from './sip/auth/digest-authenticator.js';
import { NonceManager } from './sip/auth/nonce-manager.js';
import { OverloadMonitor } from './sip/transport/overload-monitor.js';
import { LocalAddresses } from './sip/core/local-addresses.js';
import { LocationService } from './sip/location/location-service.js';
import { ProxyCore } from './sip/proxy/proxy-core.js';
import { Qualifier } from './sip/registrar/qualify.js';
import { Registrar } from './sip/registrar/registrar.js';
import { DialPlan } from './sip/routing/dial-plan.js';
import { MessageWaiting } from './sip/events/message-waiting.js';
import { SipServer } from './sip/sip-server.js';
import { CallTracker } from './sip/calls/call-tracker.js';
import type { Call } from './sip/calls/call-record.js';
import { nextHopDeps, resolveNextHop } from './sip/proxy/next-hop.js';
import type { ProxySupplement } from './sip/proxy/proxy-supplement.js';
import { MediaAnchor } from './sip/media/media-anchor.js';
import type { CallMediaStats, RelayDriver } from './media/relay-driver.js';
import { BuiltinRelay } from './media/relay/builtin-relay.js';
import { echoTest } from './media/apps/echo-test.js';
import { MediaEndpoint } from './media/apps/media-endpoint.js';
import { mailboxApp } from './media/apps/mailbox-app.js';
import { voicemailApp } from './media/apps/voicemail-app.js';
import { autoAttendantApp } from './media/apps/autoattendant-app.js';
import { AttendantStore } from './attendant/attendant-store.js';
import { extensionReferences } from './attendant/attendant-validation.js';
import { VoicemailBoxes } from './media/apps/voicemail-boxes.js';
import { VoicemailRepository } from './store/voicemail-repository.js';
import { VoicemailSettingsRepository } from './store/voicemail-settings-repository.js';
import { customPromptsDir, PromptLibrary, shippedPromptsDir } from './media/apps/prompt-library.js';
import { RtpengineDriver } from './media/rtpengine/rtpengine-driver.js';
import { CallTraceStore } from './sip/trace/call-trace.js';
import { TransactionLayer } from './sip/transaction/transaction-layer.js';
import { flowSource } from './sip/transport/flow.js';
import { TcpTransport } from './sip/transport/tcp-transport.js';
import { TransportLayer } from './sip/transport/transport-layer.js';
import { UdpTransport } from './sip/transport/udp-transport.js';
import { WsTransport } from './sip/transport/ws-transport.js';
import { ProvisioningService } from '../provisioning/provisioning-service.js';

export const PRODUCT = 'OfficePBX';

/** A call in progress as the API shows it. */
export interface CallView {
  callId: string;
  caller: string;
  callee: string;
  state: string;
  start: string;
  answer: string | null;
  seconds: number;
  /** Per-stream packet counts, loss and jitter in both directions, while the relay has them. */
  media: CallMediaStats['streams'] | null;
}
export const VERSION = '0.1.0';
/** What phones dial for their messages: their voicemail key, and the message-waiting `Message-Account`. */
export const VOICEMAIL_NUMBER = '*97';

/**
 * The whole engine, wired: store → directory → SIP stack (transport → transactions → registrar / proxy)
 * → HTTP API with SIP over WebSocket. Runs the same in the headless service and in Electron's main process.
 */
export class Engine {
  readonly log: Logger;
  private readonly db: Database;
  readonly directory: UserDirectory;
  readonly location: LocationService;
  readonly transport: TransportLayer;
  readonly transactions: TransactionLayer;
  readonly guard: AuthGuard;
  readonly sip: SipServer;
  readonly api: ApiServer;
  readonly calls: CallTracker;
  readonly relay: RelayDriver | undefined;
  readonly media: MediaAnchor | undefined;
  readonly events = new LiveEvents();
  readonly traces: CallTraceStore;
  /** The media applications' SIP endpoint (voicemail, auto-attendant …), on its own port. */
  readonly apps: MediaEndpoint;
  /** Voicemail messages: rows in SQLite, WAVs under `<data dir>/voicemail/<extension>/`. */
  readonly voicemail: VoicemailBoxes;
  /** The auto-attendant's configuration (extension, menus, business hours), kept in memory. */
  readonly attendant: AttendantStore;
  /** When each user's calls go to voicemail (ring time, busy, unavailable). */
  readonly voicemailSettings: VoicemailSettingsRepository;
  readonly provisioning: ProvisioningService;
  /** Message-waiting lamps: message-summary subscriptions and unsolicited NOTIFYs to registered phones. */
  readonly mwi: MessageWaiting;
  private readonly settings: SettingsStore;
  private readonly cdr: CdrRepository;
  private readonly startedAt = Date.now();
  private readonly bindings: BindingRepository;
  private readonly cdrWriter: CdrWriter;
  private readonly nonces: NonceManager;
  readonly overload: OverloadMonitor;
  private readonly qualifier: Qualifier;
  private readonly udp: UdpTransport;
  private readonly tcp: TcpTransport;
  private readonly ws: WsTransport;
  private up = false;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly config: EngineConfig,
    readonly logRoot: LogRoot,
  ) {
    this.log = logRoot.logger('engine');
    this.db = openDatabase(path.join(config.dataDir, 'officepbx.db'), logRoot.logger('store'));
    const settings = new SettingsStore(this.db);
    this.settings = settings;
    applyChosenAdvertise(config, settings.get(ADVERTISE_SETTING), this.log);
    this.directory = new UserDirectory(this.db, logRoot.logger('directory'));
    this.bindings = new BindingRepository(this.db);
    this.location = new LocationService(this.bindings);
    const local = new LocalAddresses(config.advertise, config.sipPort, config.httpPort, [config.bind]);

    this.transport = new TransportLayer(logRoot.logger('sip.trace'), config.sipTrace);
    this.traces = new CallTraceStore({ calls: config.callTraceCalls });
    if (this.traces.enabled) this.transport.tap = this.traces;
    // PnP SUBSCRIBEs reach the SIP socket when the PnP port is the SIP port: provisioning takes those first.
    this.udp = new UdpTransport({
      onMessage: (r, raw, flow) => {
        const send = (d: Buffer, address: string, port: number): unknown =>
          this.udp.send(d, { ...flow, remoteAddress: address, remotePort: port });
        if (!this.provisioning.interceptSip(r, flow, send)) this.transport.onMessage(r, raw, flow);
      },
    });
    this.tcp = new TcpTransport(this.transport);
    this.ws = new WsTransport(this.transport, '/ws');
    this.transport.add(this.udp);
    this.transport.add(this.tcp);
    this.transport.add(this.ws);
    this.transactions = new TransactionLayer(this.transport, logRoot.logger('sip.transaction'));
    this.overload = new OverloadMonitor(
      {
        maxLagMs: config.overloadMaxLag,
        maxServerTransactions: config.overloadMaxTransactions,
        retryAfterSeconds: config.overloadRetryAfter,
      },
      () => this.transactions.counts.serverInProgress,
      logRoot.logger('sip.overload'),
    );
    this.transport.overload = this.overload;

    this.nonces = new NonceManager();
    this.guard = new AuthGuard({
      slowAfter: config.authFailSlowAfter,
      blockAfter: config.authFailBlockAfter,
      blockSeconds: config.authBlockSeconds,
    });
    const authenticator = new DigestAuthenticator(
      () => config.realm,
      (u) => this.directory.get(u)?.secret,
      this.nonces,
      config.digestAlgorithms,
    );
    this.directory.onChange((change) => {
      if (change.kind !== 'created') authenticator.forgetUser(change.user.extension);
    });
    const registrar = new Registrar(
      this.location,
      {
        minExpires: config.minExpires,
        maxExpires: config.maxExpires,
        defaultExpires: config.defaultExpires,
        maxContactsPerAor: 10,
      },
      logRoot.logger('sip.registrar'),
    );
    const hop = nextHopDeps(this.location, this.transport);
    this.calls = new CallTracker({
      transactions: this.transactions,
      local,
      log: logRoot.logger('sip.calls'),
      resolve: (uri) => resolveNextHop(uri, hop),
      connectionOpen: (f) => this.transport.connectionOpen(f),
    });
    const callLog = logRoot.logger('calls');
    const cdr = new CdrRepository(this.db);
    this.cdr = cdr;
    this.cdrWriter = new CdrWriter(this.db, cdr, callLog);
    // The console's live views: one coalesced notice per burst of changes, nothing when nobody watches.
    this.cdrWriter.onWritten = () => this.events.notify('cdr');
    this.calls.onCallChanged = () => {
      this.events.notify('calls');
      this.events.notify('status');
    };
    this.location.onChange((c) => {
      if (c.kind === 'refreshed') return;
      this.events.notify('registrations');
      this.events.notify('status');
    });
    // Every call attempt gets a record, with the media statistics of its relay when there was media.
    this.calls.onCallEnded((call) => {
      this.events.notify('calls');
      this.events.notify('status');
      callLog.info('call ended', {
        callId: call.callId,
        caller: call.caller,
        callee: call.callee,
        disposition: call.disposition,
        status: call.status,
        reason: call.endReason,
        seconds: call.end !== undefined ? Math.round((call.end - call.start) / 1000) : undefined,
      });
      const pending = this.media ? this.media.release(call.callId) : Promise.resolve(undefined);
      void pending.catch(() => undefined).then((stats) => this.cdrWriter.write(cdrFromCall(call, stats)));
    });
    // Media: every call's audio is anchored in a relay unless switched off.
    this.relay = createRelay(config, logRoot);
    this.media = this.relay ? new MediaAnchor(this.relay, logRoot.logger('media.anchor')) : undefined;
    if (this.relay) {
      const media = this.media!;
      this.relay.onMediaTimeout = (callId) => {
        const call = this.calls.get(callId);
        if (call && call.state !== 'answered') return; // still ringing (early media): not a dead call
        logRoot
          .logger('media')
          .warn('no audio in either direction: ending the call', { callId, seconds: config.mediaTimeout });
        if (!this.calls.terminate(callId, 'media timeout')) void media.release(callId);
      };
    }
    this.voicemailSettings = new VoicemailSettingsRepository(this.db);
    const supplements: ProxySupplement[] = [this.calls];
    if (this.media) supplements.push(this.media);
    const proxy = new ProxyCore({
      transactions: this.transactions,
      transport: this.transport,
      location: this.location,
      dialPlan: new DialPlan({
        hasExtension: (e) => this.directory.get(e) !== undefined,
        applicationUri: (service, argument) =>
          this.apps.listening ? this.apps.uri(service, argument) : undefined,
        voicemailSettings: (e) => this.voicemailSettings.get(e),
        // The configured number (800 by default); a disabled attendant still answers it, with 480.
        autoAttendantExtension: () => this.attendant.current.extension,
      }),
      local,
      log: logRoot.logger('sip.proxy'),
      supplements,
    });
    // The lamps: counts come from the mailboxes (made below, read only once messages change or phones ask).
    this.mwi = new MessageWaiting({
      transactions: this.transactions,
      local,
      counts: (mailbox) => {
        const c = this.voicemail.counts(mailbox);
        return { newMessages: c.unheard, oldMessages: c.heard };
      },
      hasMailbox: (ext) => this.directory.get(ext) !== undefined,
      bindings: (ext) => this.location.lookup(ext),
      resolve: (flow, target) => (this.transport.connectionOpen(flow) ? flow : resolveNextHop(target, hop)),
      voicemailNumber: VOICEMAIL_NUMBER,
      options: {
        minExpires: config.minExpires,
        maxExpires: config.maxExpires,
        defaultExpires: config.defaultExpires,
      },
      log: logRoot.logger('sip.mwi'),
      userAgent: `${PRODUCT}/${VERSION}`,
    });
    this.location.onChange((c) => this.mwi.locationChanged(c));
    this.sip = new SipServer({
      transactions: this.transactions,
      registrar,
      proxy,
      authenticator,
      guard: this.guard,
      local,
      log: logRoot.logger('sip.core'),
      userAgent: `${PRODUCT}/${VERSION}`,
      events: this.mwi.subscriptions,
    });
    this.qualifier = new Qualifier(
      this.location,
      this.transactions,
      local,
      config.qualifyInterval,
      logRoot.logger('sip.qualify'),
    );
    // A WebSocket phone is reachable only over its connection: when that closes, its bindings go.
    this.transport.connectionClosedListeners.push((id) => {
      if (!id.startsWith('ws-')) return;
      for (const b of this.location.all())
        if (b.flow.connectionId === id) this.location.remove(b.aor, b.contact);
    });
    // Deleting a user removes their registrations.
    this.directory.onChange((ev) => {
      if (ev.kind === 'deleted') {
        this.location.removeAll(ev.user.extension);
        this.mwi.userDeleted(ev.user.extension);
      }
      this.events.notify('users');
      this.events.notify('status');
    });
    logRoot.onProblem(() => this.events.notify('status'));

    // Media applications: a SIP user agent of their own, reached through the dial plan by URI (sipXecs style).
    const appsLog = logRoot.logger('media.apps');
    const prompts = new PromptLibrary([customPromptsDir(config.dataDir), shippedPromptsDir()], appsLog);
    this.apps = new MediaEndpoint({
      bind: config.bind,
      advertise: config.advertise,
      sipPort: config.appsSipPort,
      rtpPortMin: config.appsRtpPortMin,
      rtpPortMax: config.appsRtpPortMax,
      prompts,
      log: appsLog,
      userAgent: `${PRODUCT}/${VERSION}`,
      sipTrace: config.sipTrace,
      traceLog: logRoot.logger('sip.trace'),
      // Only the proxy starts calls here: it authenticated the caller and applied the dial plan, so
      // nobody on the LAN can open someone's mailbox menu as them by calling the apps port directly.
      acceptFrom: (flow) => flow.remotePort === config.sipPort && isThisHost(flow.remoteAddress, local),
    });
    this.apps.addApplication('echo', echoTest(path.join(config.dataDir, 'tmp')));
    // Voicemail: sip:voicemail+<extension>@… leaves a message in that user's mailbox.
    const vmLog = logRoot.logger('voicemail');
    const hasMailbox = (ext: string): boolean => this.directory.get(ext) !== undefined;
    const vmRepo = new VoicemailRepository(this.db);
    this.voicemail = new VoicemailBoxes(vmRepo, path.join(config.dataDir, 'voicemail'), vmLog);
    this.voicemail.recover();
    this.voicemail.onChange((mailbox) => this.mwi.mailboxChanged(mailbox));
    // A deleted user's mailbox goes with them: messages, greeting and settings.
    this.directory.onChange((ev) => {
      if (ev.kind !== 'deleted') return;
      const n = this.voicemail.deleteMailbox(ev.user.extension);
      this.voicemailSettings.delete(ev.user.extension);
      if (n > 0) vmLog.info('mailbox deleted with its user', { mailbox: ev.user.extension, messages: n });
    });
    // The console's voicemail page follows the mailboxes as they change (a message left, heard or
    // deleted, by phone or over the API); greeting changes notify from the API routes.
    this.voicemail.onChange(() => this.events.notify('voicemail'));
    this.apps.addApplication('voicemail', voicemailApp(this.voicemail, { hasMailbox }, vmLog));
    // The mailbox by phone: sip:mailbox+<extension>@… (*97, the caller's own box) or sip:mailbox@… (*98).
    this.apps.addApplication(
      'mailbox',
      mailboxApp(this.voicemail, { pinOf: (ext) => this.directory.get(ext)?.voicemailPin }, vmLog),
    );
    // Auto-attendant: sip:autoattendant@… answers the main number and transfers callers by REFER.
    const aaLog = logRoot.logger('autoattendant');
    const attendant = new AttendantStore(settings, aaLog);
    this.attendant = attendant;
    this.apps.addApplication(
      'autoattendant',
      autoAttendantApp(
        {
          config: () => attendant.current,
          extensions: () => this.directory.list().map((u) => u.extension),
          hasExtension: (e) => this.directory.has(e),
          pbxHost: config.advertise,
          pbxPort: config.sipPort,
          timeZone: config.timeZone,
        },
        aaLog,
      ),
    );
    // Its number is no user's, and a user it sends callers to cannot be deleted from under it.
    this.directory.reserveNumbers((ext) =>
      ext === attendant.current.extension
        ? `extension ${ext} is the auto-attendant's number; choose another, or move the auto-attendant first`
        : undefined,
    );
    this.directory.guardDelete((ext) => {
      const uses = extensionReferences(attendant.current, ext);
      return uses.length > 0
        ? `extension ${ext} is used by the auto-attendant (${uses.join(', ')}); change the auto-attendant first`
        : undefined;
    });
    this.provisioning = new ProvisioningService(
      {
        dataDir: config.dataDir,
        bind: config.bind,
        advertise: config.advertise,
        sipPort: config.sipPort,
        tftpPort: config.tftpPort,
        provPort: config.provPort,
        pnp: config.pnp,
        pnpPort: config.pnpPort,
        windowMinutes: config.provWindow,
        timeZone: config.timeZone,
        voicemailNumber: VOICEMAIL_NUMBER,
        ntpServer: 'pool.ntp.org',
        userAgent: `${PRODUCT}/${VERSION}`,
      },
      {
        db: this.db,
        directory: this.directory,
        logRoot,
        contacts: (ext) =>
          this.location.lookup(ext).map((b) => ({ extension: b.aor, contact: b.contact, flow: b.flow })),
        sendSip: (msg, flow) => this.transport.send(msg, flow),
      },
    );
    this.provisioning.phones.onChange(() => this.events.notify('phones'));

    const sources: ApiSources = {
      health: () => this.health(),
      registrations: () => this.registrations(),
      blockedAddresses: () => this.guard.list(),
      unblockAddress: (a) => this.guard.unblock(a),
      calls: () => this.callsInProgress(),
      status: () => this.status(),
      callTrace: (callId) => this.traces.get(callId),
    };
    this.api = new ApiServer({
      log: logRoot.logger('api'),
      directory: this.directory,
      settings,
      sources,
      adminPasswordOnFirstRun: config.adminPassword,
      cdr,
      consoleDir: path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'console'),
      events: this.events,
      advertise: () => config.advertise,
      phones: {
        registry: this.provisioning.phones,
        view: (p) => this.provisioning.view(p),
        preview: (mac) => this.provisioning.files.preview(mac),
        info: () => this.provisioning.info(),
      },
      voicemail: { boxes: this.voicemail, hasMailbox, changed: () => this.events.notify('voicemail') },
      voicemailSummary: {
        users: () => this.directory.list(),
        counts: () => vmRepo.counts(),
        hasGreeting: (e) => this.voicemail.customGreeting(e) !== undefined,
      },
      autoattendant: {
        current: () => attendant.current,
        update: (body, ctx) => attendant.update(body, ctx),
        hasExtension: (e) => this.directory.has(e),
        promptNames: () => prompts.names(),
        defaultTimeZone: config.timeZone,
      },
      prompts: {
        library: prompts,
        customDir: customPromptsDir(config.dataDir),
        shippedDir: shippedPromptsDir(),
      },
      voicemailSettings: {
        get: (e) => this.voicemailSettings.get(e),
        set: (e, v) => this.voicemailSettings.set(e, v),
        hasMailbox,
      },
    });
  }

  static async start(config: EngineConfig, logRoot = new LogRoot(config.logLevel)): Promise<Engine> {
    const engine = new Engine(config, logRoot);
    try {
      await engine.listen();
    } catch (err) {
      await engine.stop();
      throw err;
    }
    return engine;
  }

  private async listen(): Promise<void> {
    const c = this.config;
    await this.udp.listen(c.bind, c.sipPort);
    await this.tcp.listen(c.bind, c.sipPort);
    await this.apps.start();
    await this.api.listen(c.httpPort, c.bind);
    this.ws.attach(this.api.server);
    await this.provisioning.start();
    this.qualifier.start();
    this.overload.start();
    this.up = true;
    this.log.info('listening', {
      sip: `${c.bind}:${c.sipPort} (udp, tcp)`,
      http: `${c.bind}:${c.httpPort}`,
      ws: `ws://${c.advertise}:${c.httpPort}/ws`,
      apps: this.apps.uri('echo'),
      advertise: c.advertise,
      dataDir: c.dataDir,
      users: this.directory.count(),
      bindings: this.location.size,
    });
  }

  health(): { ok: boolean; listeners: Record<string, string> } {
    const c = this.config;
    return {
      ok: this.up,
      listeners: {
        'sip-udp': this.udp.local.port ? `${c.bind}:${this.udp.local.port}` : 'down',
        'sip-tcp': this.tcp.local.port ? `${c.bind}:${this.tcp.local.port}` : 'down',
        http: this.up ? `${c.bind}:${c.httpPort}` : 'down',
        'sip-ws': this.up ? `${c.bind}:${c.httpPort}/ws` : 'down',
        'apps-sip': this.apps.listening ? `${c.bind}:${this.apps.port}` : 'down',
        ...this.provisioning.listeners(),
      },
    };
  }

  /** The dashboard's summary; the desktop app's tray shows part of it. */
  status(): EngineStatus {
    const c = this.config;
    const now = Date.now();
    const bindings = this.location.all(now);
    const chosen = this.settings.get(ADVERTISE_SETTING);
    const health = this.health();
    return {
      ok: health.ok,
      version: VERSION,
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeSeconds: Math.round((now - this.startedAt) / 1000),
      advertise: c.advertise,
      sipPort: c.sipPort,
      httpPort: c.httpPort,
      advertisePending:
        chosen !== undefined && chosen !== c.advertise && c.advertiseIsDefault ? chosen : null,
      listeners: health.listeners,
      users: this.directory.count(),
      registeredUsers: new Set(bindings.map((b) => b.aor)).size,
      registeredPhones: bindings.length,
      callsInProgress: this.calls.inProgress().length,
      callsToday: this.cdr.count({ since: startOfLocalDay(now) }) + this.calls.inProgress().length,
      media: {
        relay: c.mediaRelay,
        rtpPorts: `${c.rtpPortMin}-${c.rtpPortMax}`,
        priority: this.relay instanceof BuiltinRelay ? this.relay.priority : null,
      },
      errors: this.logRoot.errorCount,
      problems: [...this.logRoot.problems].reverse(),
    };
  }

  registrations(): RegistrationView[] {
    const now = Date.now();
    return this.location.all(now).map((b) => ({
      extension: b.aor,
      contact: b.contact,
      source: flowSource(b.flow),
      transport: b.flow.transport,
      userAgent: b.userAgent,
      expires: Math.max(0, Math.round((b.expiresAt - now) / 1000)),
      expiresAt: new Date(b.expiresAt).toISOString(),
      registeredAt: new Date(b.registeredAt).toISOString(),
      reachable: b.reachable,
    }));
  }

  async callsInProgress(): Promise<CallView[]> {
    const now = Date.now();
    return Promise.all(
      this.calls.inProgress().map(async (c: Call) => ({
        callId: c.callId,
        caller: c.caller,
        callee: c.callee,
        state: c.state,
        start: new Date(c.start).toISOString(),
        answer: c.answer !== undefined ? new Date(c.answer).toISOString() : null,
        seconds: Math.round((now - c.start) / 1000),
        media: (await this.media?.stats(c.callId))?.streams ?? null,
      })),
    );
  }

  /** Clean shutdown: stop taking requests, answer what is open, flush and close the database. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.up = false;
    this.qualifier.stop();
    this.overload.stop();
    this.mwi.close();
    await this.apps.stop();
    this.transactions.shutdown();
    // Let the 503s of open transactions leave before the sockets close.
    await new Promise((r) => setTimeout(r, 50));
    await this.transport.close();
    await this.api.close();
    await this.provisioning.stop();
    this.location.close();
    this.nonces.close();
    await this.relay?.close();
    try {
      this.bindings.flush();
      this.cdrWriter.flush();
    } catch (err) {
      this.log.error('could not write registrations or call records on shutdown', { err });
    }
    this.db.close();
    this.log.info('stopped');
  }
}

/**
 * The first-run wizard's choice of address applies when no flag or variable named one, and only while this
 * PC still has that address (a laptop moved to another network falls back to its first LAN address).
 */
function applyChosenAdvertise(config: EngineConfig, chosen: string | undefined, log: Logger): void {
  if (!config.advertiseIsDefault || chosen === undefined || chosen === config.advertise) return;
  const present = Object.values(os.networkInterfaces()).some((l) => l?.some((a) => a.address === chosen));
  if (!present) {
    log.warn('the address chosen in the console is not on this PC any more; using another', {
      chosen,
      using: config.advertise,
    });
    return;
  }
  if (config.realm === config.advertise) config.realm = chosen;
  config.advertise = chosen;
}

/** Whether an address is one of this PC's own (the proxy's packets come from one of them). */
function isThisHost(address: string, local: LocalAddresses): boolean {
  // LocalAddresses already holds every interface address (read once at start): no scan per call.
  return local.isLocalHost(address) || address.startsWith('127.');
}

function createRelay(config: EngineConfig, logRoot: LogRoot): RelayDriver | undefined {
  if (config.mediaRelay === 'off') return undefined;
  if (config.mediaRelay === 'rtpengine') {
    return new RtpengineDriver({
      servers: config.rtpengine,
      mediaTimeoutMs: config.mediaTimeout * 1000,
    });
  }
  return new BuiltinRelay({
    advertise: config.advertise,
    bind: config.bind,
    portMin: config.rtpPortMin,
    portMax: config.rtpPortMax,
    workers: config.relayWorkers > 0 ? config.relayWorkers : undefined,
    realtimePriority: config.relayRealtime,
    mediaTimeoutSeconds: config.mediaTimeout,
    strictSource: config.mediaStrictSource,
    log: logRoot.logger('media.relay'),
  });
}
