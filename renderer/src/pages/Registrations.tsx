import type { Registration, User } from '../api';
import { Empty, Notice, PageHeader } from '../components';
import { formatDateTime, formatRelative } from '../format';
import { useLive, useNow } from '../live';

export function Registrations() {
  const regs = useLive<Registration[]>('/api/registrations', ['registrations']);
  const users = useLive<User[]>('/api/users', ['users']);
  const now = useNow(5000);
  const names = new Map((users.data ?? []).map((u) => [u.extension, u.name]));
  const list = [...(regs.data ?? [])].sort((a, b) =>
    a.extension.localeCompare(b.extension, undefined, { numeric: true }),
  );
  return (
    <>
      <PageHeader
        title="Registrations"
        intro="Which phone is logged in for which extension, from where, and since when. A phone that stops answering keep-alive checks shows as unreachable."
      />
      {regs.error ? <Notice kind="error">{regs.error}</Notice> : null}
      {regs.data && list.length === 0 ? (
        <Empty>
          No phone is registered yet. Set a phone up with its extension and SIP password, and it appears here.
        </Empty>
      ) : (
        <table className="table" data-testid="registrations-table">
          <thead>
            <tr>
              <th scope="col">Extension</th>
              <th scope="col">Phone</th>
              <th scope="col">Address</th>
              <th scope="col">Transport</th>
              <th scope="col">Registered</th>
              <th scope="col">Renews</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={`${r.extension} ${r.contact}`}>
                <td>
                  <span className="mono">{r.extension}</span>
                  <div className="muted wrap">{names.get(r.extension) ?? ''}</div>
                </td>
                <td className="wrap">{r.userAgent || <span className="muted">unknown phone</span>}</td>
                <td className="mono wrap" title={r.contact}>
                  {r.source}
                </td>
                <td>{r.transport}</td>
                <td title={formatDateTime(r.registeredAt)}>{formatRelative(r.registeredAt, now)}</td>
                <td title={formatDateTime(r.expiresAt)}>{formatRelative(r.expiresAt, now)}</td>
                <td>
                  {r.reachable === false ? (
                    <span className="badge badge-bad">unreachable</span>
                  ) : (
                    <span className="badge badge-good">online</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
