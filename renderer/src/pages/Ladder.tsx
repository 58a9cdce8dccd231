import { useState } from 'react';
import type { TracedMessage } from '../api';

const PBX = 'OfficePBX';
const COLUMN_GAP = 230;
const ROW_HEIGHT = 34;
const TOP = 56;
const SIDE = 110;

/** A short label for an arrow: the method (with the number dialled) or the status line. */
function label(m: TracedMessage): string {
  const request = /^([A-Z]+) (\S+)/.exec(m.summary);
  if (!request) return m.summary.length > 30 ? `${m.summary.slice(0, 29)}…` : m.summary;
  const user = /^sips?:([^@;>]+)@/.exec(request[2] ?? '');
  return user ? `${request[1]} ${user[1]}` : (request[1] ?? m.summary);
}

/**
 * The SIP message flow of a call as a ladder diagram: one vertical line per party (the phones by their
 * address, OfficePBX in between), one arrow per message in time order. Choosing an arrow shows the
 * message as it crossed the network.
 */
export function Ladder(props: { messages: TracedMessage[] }) {
  const [selected, setSelected] = useState<number | undefined>(undefined);
  const msgs = props.messages;
  if (msgs.length === 0) return <p className="empty">No SIP messages were kept for this call.</p>;
  // Parties: whoever sent the first message on the left, OfficePBX next, everyone else to the right.
  const peers: string[] = [];
  for (const m of msgs) if (!peers.includes(m.peer)) peers.push(m.peer);
  const columns = [peers[0] ?? '?', PBX, ...peers.slice(1)];
  const x = (name: string) => SIDE + columns.indexOf(name) * COLUMN_GAP;
  const width = SIDE * 2 + (columns.length - 1) * COLUMN_GAP;
  const height = TOP + msgs.length * ROW_HEIGHT + 20;
  const t0 = msgs[0]?.time ?? 0;
  const chosen = selected !== undefined ? msgs[selected] : undefined;

  return (
    <div className="ladder">
      <div className="ladder-scroll">
        <svg
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          role="group"
          aria-label={`SIP message flow, ${msgs.length} messages`}
          data-testid="ladder"
        >
          <defs>
            <marker
              id="arrow"
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="8"
              markerHeight="8"
              orient="auto"
            >
              <path d="M0,0 L10,5 L0,10 z" fill="currentColor" />
            </marker>
          </defs>
          {columns.map((c) => (
            <g key={c}>
              <text x={x(c)} y={20} textAnchor="middle" className="ladder-party">
                {c}
              </text>
              <line x1={x(c)} y1={30} x2={x(c)} y2={height - 10} className="ladder-lifeline" />
            </g>
          ))}
          {msgs.map((m, i) => {
            const y = TOP + i * ROW_HEIGHT;
            const from = m.direction === 'in' ? m.peer : PBX;
            const to = m.direction === 'in' ? PBX : m.peer;
            const x1 = x(from);
            const x2 = x(to);
            const time = `+${((m.time - t0) / 1000).toFixed(3)}s`;
            const response = /^\d{3} /.test(m.summary);
            const tone = response
              ? m.summary.startsWith('2')
                ? 'ok'
                : /^[1]/.test(m.summary)
                  ? 'info'
                  : 'bad'
              : 'req';
            return (
              <g
                key={i}
                className={`ladder-msg ladder-${tone}${selected === i ? ' ladder-selected' : ''}`}
                role="button"
                tabIndex={0}
                aria-describedby={`ladder-route-${i}`}
                onClick={() => setSelected(i)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    setSelected(i);
                  }
                }}
              >
                <rect
                  x={Math.min(x1, x2)}
                  y={y - 18}
                  width={Math.abs(x2 - x1)}
                  height={ROW_HEIGHT - 4}
                  className="ladder-hit"
                />
                <line x1={x1} y1={y} x2={x2 + (x2 > x1 ? -2 : 2)} y2={y} markerEnd="url(#arrow)" />
                <desc id={`ladder-route-${i}`}>
                  from {from} to {to}
                </desc>
                <text x={8} y={y + 4} className="ladder-time">
                  {time}
                </text>
                <text x={(x1 + x2) / 2} y={y - 5} textAnchor="middle">
                  {label(m)}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      {chosen ? (
        <div className="ladder-detail">
          <h3>
            {chosen.summary}{' '}
            <span className="muted">
              ({chosen.direction === 'in' ? 'from' : 'to'} {chosen.peer} over {chosen.transport})
            </span>
          </h3>
          <pre data-testid="sip-message">{chosen.text}</pre>
        </div>
      ) : (
        <p className="help">Choose an arrow to see that message in full.</p>
      )}
    </div>
  );
}
