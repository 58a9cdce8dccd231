import { useEffect, useState } from 'react';
import {
  ApiFailure,
  DISPOSITIONS,
  get,
  withQuery,
  type CallRecord,
  type CdrPage,
  type StreamStats,
  type TracedMessage,
} from '../api';
import { Empty, Link, Notice, PageHeader } from '../components';
import { dayAfter, dayStart, formatDateTime, formatDuration, lossPercent } from '../format';
import { useLive } from '../live';
import { Ladder } from './Ladder';

const PAGE_SIZE = 50;

interface Filters {
  since: string;
  until: string;
  extension: string;
  disposition: string;
}

const NO_FILTERS: Filters = { since: '', until: '', extension: '', disposition: '' };

function filterQuery(f: Filters): Record<string, string | undefined> {
  return {
    since: dayStart(f.since),
    until: dayAfter(f.until),
    extension: f.extension.trim() || undefined,
    disposition: f.disposition || undefined,
  };
}

export function CallLog() {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // Cursors of the pages before this one: "Newer" pops, "Older" pushes.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const [error, setError] = useState<string | undefined>(undefined);
  const path = withQuery('/api/cdr', { ...filterQuery(filters), limit: String(PAGE_SIZE), cursor });
  // Only the first page follows new calls live; older pages stay put while you read them.
  const page = useLive<CdrPage>(path, cursors.length === 0 ? ['cdr'] : []);

  useEffect(() => setError(page.error), [page.error]);

  const apply = (e: React.FormEvent) => {
    e.preventDefault();
    if (draft.since && draft.until && draft.until < draft.since) {
      setError('The “to” date is before the “from” date.');
      return;
    }
    if (draft.extension.trim() !== '' && !/^[0-9*#+]{1,32}$/.test(draft.extension.trim())) {
      setError('An extension is digits only, for example 201.');
      return;
    }
    setError(undefined);
    setCursors([]);
    setFilters(draft);
  };

  const first = cursors.length * PAGE_SIZE + 1;
  const shown = page.data?.records.length ?? 0;
  return (
    <>
      <PageHeader
        title="Call log"
        intro="Every call attempt: who called whom, when, for how long, how it ended and how the audio was."
        actions={
          <a
            className="button secondary"
            href={withQuery('/api/cdr/export', filterQuery(filters))}
            download="officepbx-calls.csv"
          >
            Export CSV
          </a>
        }
      />
      <form className="filters" onSubmit={apply} aria-label="Filter calls">
        <label>
          From
          <input
            type="date"
            value={draft.since}
            onChange={(e) => setDraft({ ...draft, since: e.target.value })}
          />
        </label>
        <label>
          To
          <input
            type="date"
            value={draft.until}
            onChange={(e) => setDraft({ ...draft, until: e.target.value })}
          />
        </label>
        <label>
          Extension
          <input
            type="text"
            inputMode="numeric"
            placeholder="any"
            value={draft.extension}
            onChange={(e) => setDraft({ ...draft, extension: e.target.value })}
          />
        </label>
        <label>
          Result
          <select
            value={draft.disposition}
            onChange={(e) => setDraft({ ...draft, disposition: e.target.value })}
          >
            <option value="">any</option>
            {DISPOSITIONS.map((d) => (
              <option key={d} value={d}>
                {d.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Show</button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setDraft(NO_FILTERS);
            setFilters(NO_FILTERS);
            setCursors([]);
            setError(undefined);
          }}
        >
          Clear
        </button>
      </form>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {page.data && page.data.records.length === 0 ? (
        <Empty>No calls match.</Empty>
      ) : (
        <table className="table" data-testid="cdr-table">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Duration</th>
              <th scope="col">Result</th>
              <th scope="col">Audio</th>
            </tr>
          </thead>
          <tbody>
            {(page.data?.records ?? []).map((r) => (
              <tr key={r.id}>
                <td>
                  <Link to={`/calls/${r.id}`}>{formatDateTime(r.start)}</Link>
                </td>
                <td className="mono">{r.caller}</td>
                <td className="mono">{r.callee}</td>
                <td>{formatDuration(r.billsec)}</td>
                <td>
                  <DispositionBadge d={r.disposition} />
                </td>
                <td>{qualitySummary(r.media)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav className="pager" aria-label="Pages">
        <button
          type="button"
          className="secondary"
          disabled={cursors.length === 0}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          ← Newer
        </button>
        <span className="muted" data-testid="pager-range">
          {page.dataPath !== path
            ? page.data
              ? 'Loading…'
              : ''
            : page.data
              ? shown === 0
                ? `0 of ${page.data.total.toLocaleString()}`
                : `${first}–${first + shown - 1} of ${page.data.total.toLocaleString()}`
              : ''}
        </span>
        <button
          type="button"
          className="secondary"
          disabled={page.dataPath !== path || !page.data?.nextCursor}
          onClick={() =>
            page.dataPath === path && page.data?.nextCursor && setCursors([...cursors, page.data.nextCursor])
          }
        >
          Older →
        </button>
      </nav>
    </>
  );
}

/** How each result looks: answered is good, failed is bad, a call voicemail took is neither. */
const DISPOSITION_TONE: Record<string, string> = {
  ANSWERED: 'badge-good',
  FAILED: 'badge-bad',
  VOICEMAIL: 'badge-new',
};

export function DispositionBadge(props: { d: string }) {
  const tone = DISPOSITION_TONE[props.d] ?? 'badge-warn';
  return <span className={`badge ${tone}`}>{props.d.toLowerCase()}</span>;
}

function qualitySummary(media: StreamStats[] | null): string {
  const s = media?.[0];
  if (!s) return '—';
  const a = s.callerToCallee;
  const b = s.calleeToCaller;
  if (a.packets === 0 || b.packets === 0) return a.packets + b.packets === 0 ? 'no audio' : 'one-way audio';
  if (a.qualityMeasured === false && b.qualityMeasured === false) return 'audio both ways';
  return `loss ${lossPercent(a.packets + b.packets, a.lost + b.lost)}, jitter ${Math.max(a.jitterMs, b.jitterMs).toFixed(1)} ms`;
}

export function CallDetail(props: { id: number }) {
  const [record, setRecord] = useState<CallRecord | undefined>(undefined);
  const [trace, setTrace] = useState<TracedMessage[] | undefined>(undefined);
  const [traceNote, setTraceNote] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    get<CallRecord>(`/api/cdr/${props.id}`).then(
      (r) => {
        setRecord(r);
        get<{ messages: TracedMessage[] }>(`/api/calls/${encodeURIComponent(r.callId)}/trace`).then(
          (t) => setTrace(t.messages),
          (e: unknown) =>
            setTraceNote(e instanceof ApiFailure ? e.message : 'The SIP messages could not be read.'),
        );
      },
      (e: unknown) => setError(e instanceof ApiFailure ? e.message : 'The call could not be read.'),
    );
  }, [props.id]);

  return (
    <>
      <PageHeader
        title={record ? `Call from ${record.caller} to ${record.callee}` : 'Call'}
        intro={<Link to="/calls">← Back to the call log</Link>}
      />
      {error ? <Notice kind="error">{error}</Notice> : null}
      {record ? (
        <div className="two-columns">
          <section className="panel" aria-labelledby="call-facts">
            <h2 id="call-facts">What happened</h2>
            <dl className="facts">
              <dt>Result</dt>
              <dd>
                <DispositionBadge d={record.disposition} />
                {record.status ? <span className="muted"> SIP {record.status}</span> : null}
              </dd>
              <dt>Ended because</dt>
              <dd>{record.endReason ?? '—'}</dd>
              <dt>Started</dt>
              <dd>{formatDateTime(record.start)}</dd>
              <dt>Answered</dt>
              <dd>{formatDateTime(record.answer)}</dd>
              <dt>Ended</dt>
              <dd>{formatDateTime(record.end)}</dd>
              <dt>Talk time</dt>
              <dd>{formatDuration(record.billsec)}</dd>
              <dt>Call-ID</dt>
              <dd className="mono wrap">{record.callId}</dd>
            </dl>
          </section>
          <section className="panel" aria-labelledby="call-audio">
            <h2 id="call-audio">Audio</h2>
            {record.media && record.media.length > 0 ? (
              record.media.map((s) => (
                <table key={s.index} className="table compact">
                  <caption>
                    {s.media} {s.codec ?? ''}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Direction</th>
                      <th scope="col">Packets</th>
                      <th scope="col">Lost</th>
                      <th scope="col">Jitter</th>
                      <th scope="col">From</th>
                    </tr>
                  </thead>
                  <tbody>
                    {(
                      [
                        [`${record.caller} → ${record.callee}`, s.callerToCallee],
                        [`${record.callee} → ${record.caller}`, s.calleeToCaller],
                      ] as const
                    ).map(([label, d]) => (
                      <tr key={label}>
                        <td>{label}</td>
                        <td>{d.packets}</td>
                        {d.qualityMeasured === false ? (
                          <td colSpan={2}>not measured</td>
                        ) : (
                          <>
                            <td>{lossPercent(d.packets, d.lost)}</td>
                            <td>{d.jitterMs.toFixed(1)} ms</td>
                          </>
                        )}
                        <td className="mono">
                          {d.source ?? <span className="badge badge-bad">nothing arrived</span>}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ))
            ) : (
              <Empty>No audio statistics for this call (it was not answered, or the relay was off).</Empty>
            )}
            {record.media?.some(
              (s) => s.callerToCallee.qualityMeasured === false || s.calleeToCaller.qualityMeasured === false,
            ) ? (
              <p className="muted">
                Loss and jitter were not measured: the audio went through rtpengine, which takes them only
                from the phones’ RTCP reports, and these phones sent none. The packet counts are exact.
              </p>
            ) : null}
          </section>
        </div>
      ) : null}
      <section className="panel" aria-labelledby="ladder-heading">
        <h2 id="ladder-heading">SIP messages</h2>
        {trace ? <Ladder messages={trace} /> : traceNote ? <Empty>{traceNote}</Empty> : <p>Loading…</p>}
      </section>
    </>
  );
}
