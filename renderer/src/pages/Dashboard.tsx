import type { LiveCall, Status } from '../api';
import { Empty, Link, Notice, PageHeader } from '../components';
import { formatDuration, formatRelative, lossPercent } from '../format';
import { useLive, useNow } from '../live';

const LISTENER_NAMES: Record<string, string> = {
  'sip-udp': 'SIP over UDP',
  'sip-tcp': 'SIP over TCP',
  'sip-ws': 'WebSocket (browser phones)',
  http: 'Console and API',
};

export function Dashboard() {
  const status = useLive<Status>('/api/status', ['status', 'registrations', 'calls', 'cdr', 'users']);
  const calls = useLive<LiveCall[]>('/api/calls', ['calls']);
  const s = status.data;
  return (
    <>
      <PageHeader
        title="Dashboard"
        intro="How the phone system is doing right now. This page updates by itself."
      />
      {status.error ? <Notice kind="error">{status.error}</Notice> : null}
      {s?.advertisePending ? (
        <Notice kind="warning">
          Restart OfficePBX so that phones use {s.advertisePending} (it uses {s.advertise} until then).
        </Notice>
      ) : null}
      <section className="cards" aria-label="Summary">
        <Card
          label="Phones registered"
          value={s ? `${s.registeredUsers} / ${s.users}` : '…'}
          detail={
            s
              ? `${s.registeredPhones} phone${s.registeredPhones === 1 ? '' : 's'} online; ${s.users} users`
              : ''
          }
          testId="registered"
        />
        <Card
          label="Calls in progress"
          value={s ? String(s.callsInProgress) : '…'}
          detail="live"
          testId="active-calls"
        />
        <Card
          label="Calls today"
          value={s ? String(s.callsToday) : '…'}
          detail={<Link to="/calls">Open the call log</Link>}
          testId="calls-today"
        />
        <Card
          label="System"
          value={s ? (s.ok ? 'Running' : 'Starting') : '…'}
          detail={s ? `${s.errors} error${s.errors === 1 ? '' : 's'} since start` : ''}
          tone={s && (!s.ok || s.errors > 0) ? 'warn' : 'ok'}
          testId="system"
        />
      </section>
      <section className="panel" aria-labelledby="calls-heading">
        <h2 id="calls-heading">Calls in progress</h2>
        <ActiveCalls calls={calls.data ?? []} />
      </section>
      <div className="two-columns">
        <section className="panel" aria-labelledby="status-heading">
          <h2 id="status-heading">System status</h2>
          {s ? (
            <dl className="facts">
              <dt>Phones reach this PC at</dt>
              <dd>
                {s.advertise}, SIP port {s.sipPort}
              </dd>
              {Object.entries(s.listeners).map(([name, value]) => (
                <div key={name} className="fact-row">
                  <dt>{LISTENER_NAMES[name] ?? name}</dt>
                  <dd>
                    <span className={value === 'down' ? 'badge badge-bad' : 'badge badge-good'}>
                      {value === 'down' ? 'down' : 'up'}
                    </span>{' '}
                    <span className="muted">{value === 'down' ? '' : value}</span>
                  </dd>
                </div>
              ))}
              <dt>Audio relay</dt>
              <dd>
                {s.media.relay === 'off' ? 'off (phones send audio to each other)' : s.media.relay}, ports{' '}
                {s.media.rtpPorts}
                {s.media.priority === 'realtime' ? <span className="muted">, real-time priority</span> : null}
                {s.media.priority === 'refused' ? (
                  <>
                    {' '}
                    <span className="badge badge-warn">normal priority</span>{' '}
                    <span className="muted">
                      the system refused real-time priority: audio may stutter while this PC is busy (see
                      Troubleshooting, “Choppy audio”, in the README)
                    </span>
                  </>
                ) : null}
              </dd>
              <dt>Version</dt>
              <dd>
                {s.version}, running since {formatRelative(s.startedAt).replace(' ago', '')}
              </dd>
            </dl>
          ) : null}
        </section>
        <section className="panel" aria-labelledby="problems-heading">
          <h2 id="problems-heading">Recent warnings and errors</h2>
          {s && s.problems.length > 0 ? (
            <ul className="problems">
              {s.problems.slice(0, 8).map((p, i) => (
                <li key={`${p.time}-${i}`} className={`problem problem-${p.level}`}>
                  <span className="muted">{new Date(p.time).toLocaleTimeString()}</span> {p.message}
                </li>
              ))}
            </ul>
          ) : (
            <Empty>Nothing to report.</Empty>
          )}
        </section>
      </div>
    </>
  );
}

function Card(props: {
  label: string;
  value: string;
  detail: React.ReactNode;
  tone?: 'ok' | 'warn';
  testId: string;
}) {
  return (
    <div className={`card${props.tone === 'warn' ? ' card-warn' : ''}`} data-testid={props.testId}>
      <div className="card-label">{props.label}</div>
      <div className="card-value">{props.value}</div>
      <div className="card-detail">{props.detail}</div>
    </div>
  );
}

function ActiveCalls(props: { calls: LiveCall[] }) {
  const now = useNow();
  if (props.calls.length === 0) return <Empty>No calls right now.</Empty>;
  return (
    <table className="table" data-testid="active-calls-table">
      <thead>
        <tr>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">State</th>
          <th scope="col">Duration</th>
          <th scope="col">Audio (each way)</th>
        </tr>
      </thead>
      <tbody>
        {props.calls.map((c) => {
          const since = c.answer ?? c.start;
          const stream = c.media?.[0];
          return (
            <tr key={c.callId}>
              <td>{c.caller}</td>
              <td>{c.callee}</td>
              <td>{c.state === 'answered' ? 'talking' : c.state}</td>
              <td>{formatDuration((now - new Date(since).getTime()) / 1000)}</td>
              <td>
                {stream
                  ? `${stream.callerToCallee.packets} → / ← ${stream.calleeToCaller.packets} packets` +
                    (stream.callerToCallee.qualityMeasured === false &&
                    stream.calleeToCaller.qualityMeasured === false
                      ? '' // rtpengine without RTCP reports: no loss figure to show
                      : `, loss ${lossPercent(
                          stream.callerToCallee.packets + stream.calleeToCaller.packets,
                          stream.callerToCallee.lost + stream.calleeToCaller.lost,
                        )}`)
                  : '—'}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
