import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  ApiFailure,
  del,
  get,
  post,
  put,
  type PhoneConfigPreview,
  type PhoneDetail,
  type PhoneSummary,
  type User,
} from '../api';
import { Dialog, Empty, Field, Link, Notice, PageHeader } from '../components';
import { formatDateTime, formatRelative } from '../format';
import { useLive, useNow } from '../live';
import { capitalise } from './Login';

const VENDOR_NAMES: Record<string, string> = {
  yealink: 'Yealink',
  polycom: 'Polycom',
  grandstream: 'Grandstream',
  snom: 'Snom',
  cisco: 'Cisco',
};

function vendorModel(p: PhoneSummary): string {
  const v = VENDOR_NAMES[p.vendor] ?? 'Unknown make';
  return p.model ? `${v} ${p.model}` : v;
}

function fieldMessage(message: string): string {
  return capitalise(message.replace(/^[A-Za-z]+: /, ''));
}

type Editing = { mode: 'assign'; phone: PhoneSummary } | { mode: 'add' };

/** Desk phones that asked for their configuration, and the ones set up with extensions. */
export function Phones() {
  const phones = useLive<PhoneSummary[]>('/api/phones', ['phones']);
  const users = useLive<User[]>('/api/users', ['users']);
  const now = useNow(10_000);
  const [editing, setEditing] = useState<Editing | undefined>(undefined);
  const [preview, setPreview] = useState<PhoneSummary | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const close = useCallback(() => setEditing(undefined), []);
  const closePreview = useCallback(() => setPreview(undefined), []);

  const list = phones.data ?? [];
  const discovered = list.filter((p) => p.state === 'discovered');
  const assigned = list.filter((p) => p.state === 'assigned');
  const act = (p: Promise<unknown>, done: string) =>
    p.then(
      () => {
        setFailure(undefined);
        setMessage(done);
        phones.reload();
      },
      (e: unknown) => setFailure(e instanceof ApiFailure ? capitalise(e.message) : 'That did not work.'),
    );

  return (
    <>
      <PageHeader
        title="Phones"
        intro={
          <>
            Desk phones on the office network that asked OfficePBX for their settings. Give a new phone an
            extension and it sets itself up at its next restart. Phones find OfficePBX by themselves where
            they support plug-and-play; otherwise see <Link to="/provisioning">network setup</Link>.
          </>
        }
        actions={
          <button type="button" className="secondary" onClick={() => setEditing({ mode: 'add' })}>
            Add a phone by MAC address
          </button>
        }
      />
      {message ? <Notice kind="success">{message}</Notice> : null}
      {failure ? <Notice kind="error">{failure}</Notice> : null}
      {phones.error ? <Notice kind="error">{phones.error}</Notice> : null}
      <section className="panel" aria-labelledby="discovered-heading">
        <h2 id="discovered-heading">New phones waiting for an extension</h2>
        {discovered.length === 0 ? (
          <Empty>
            None right now. Plug a phone into the office network and switch it on: it shows up here within a
            minute.
          </Empty>
        ) : (
          <table className="table" data-testid="discovered-phones">
            <thead>
              <tr>
                <th scope="col">Phone</th>
                <th scope="col">MAC address</th>
                <th scope="col">Address</th>
                <th scope="col">Last seen</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {discovered.map((p) => (
                <tr key={p.mac}>
                  <td className="wrap">
                    {vendorModel(p)}
                    <div className="muted wrap">{p.userAgent}</div>
                  </td>
                  <td className="mono">{p.macFormatted}</td>
                  <td className="mono">{p.address || '—'}</td>
                  <td>{p.lastSeen ? formatRelative(p.lastSeen, now) : '—'}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="small"
                      onClick={() => setEditing({ mode: 'assign', phone: p })}
                    >
                      Assign extension
                    </button>
                    <button
                      type="button"
                      className="ghost small"
                      aria-label={`Forget ${p.macFormatted}`}
                      onClick={() => void act(del(`/api/phones/${p.mac}`), `Forgot ${p.macFormatted}.`)}
                    >
                      Forget
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="panel" aria-labelledby="assigned-heading">
        <h2 id="assigned-heading">Phones set up</h2>
        {assigned.length === 0 ? (
          <Empty>No phone is set up yet.</Empty>
        ) : (
          <table className="table" data-testid="assigned-phones">
            <thead>
              <tr>
                <th scope="col">Phone</th>
                <th scope="col">Extensions</th>
                <th scope="col">MAC address</th>
                <th scope="col">Last provisioned</th>
                <th scope="col">Last seen</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {assigned.map((p) => (
                <tr key={p.mac}>
                  <td className="wrap">
                    <Link to={`/phones/${p.mac}`}>{p.label || vendorModel(p)}</Link>
                    {p.label ? <div className="muted">{vendorModel(p)}</div> : null}
                  </td>
                  <td className="mono">{p.extensions.join(', ')}</td>
                  <td className="mono">{p.macFormatted}</td>
                  <td>
                    {p.lastProvisioned ? formatRelative(p.lastProvisioned, now) : 'not yet'}
                    {p.provisioningWindowOpen ? (
                      <div>
                        <span className="badge badge-warn">waiting for the phone</span>
                      </div>
                    ) : null}
                  </td>
                  <td>{p.lastSeen ? formatRelative(p.lastSeen, now) : '—'}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="secondary small"
                      onClick={() => setEditing({ mode: 'assign', phone: p })}
                      aria-label={`Change ${p.macFormatted}`}
                    >
                      Change
                    </button>
                    <button
                      type="button"
                      className="secondary small"
                      onClick={() => setPreview(p)}
                      aria-label={`Show the settings file of ${p.macFormatted}`}
                    >
                      File
                    </button>
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={`Set up again: ${p.macFormatted}`}
                      onClick={() =>
                        void act(
                          put(`/api/phones/${p.mac}`, { reprovision: true }),
                          `${p.macFormatted} gets its settings again at its next restart.`,
                        )
                      }
                    >
                      Set up again
                    </button>
                    <button
                      type="button"
                      className="danger small"
                      aria-label={`Remove ${p.macFormatted}`}
                      onClick={() => void act(del(`/api/phones/${p.mac}`), `Removed ${p.macFormatted}.`)}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {editing ? (
        <PhoneForm
          editing={editing}
          users={users.data ?? []}
          onClose={close}
          onSaved={(p) => {
            setEditing(undefined);
            setFailure(undefined);
            setMessage(
              `${p.macFormatted} is set up for ${p.extensions.join(', ')}. It picks up its settings at its next restart.`,
            );
            phones.reload();
          }}
        />
      ) : null}
      {preview ? <FilePreview phone={preview} onClose={closePreview} /> : null}
    </>
  );
}

function PhoneForm(props: {
  editing: Editing;
  users: User[];
  onClose: () => void;
  onSaved: (p: PhoneSummary) => void;
}) {
  const phone = props.editing.mode === 'assign' ? props.editing.phone : undefined;
  const [mac, setMac] = useState(phone?.macFormatted ?? '');
  const [vendor, setVendor] = useState<string>(phone?.vendor ?? '');
  const [label, setLabel] = useState(phone?.label ?? '');
  const [lines, setLines] = useState<string[]>(
    phone && phone.extensions.length > 0 ? phone.extensions : [''],
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const sorted = [...props.users].sort((a, b) =>
    a.extension.localeCompare(b.extension, undefined, { numeric: true }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const chosen = lines.filter((l) => l !== '');
    const found: Record<string, string> = {};
    if (!phone && !/^([0-9A-Fa-f]{2}[:-]?){5}[0-9A-Fa-f]{2}$/.test(mac.trim()))
      found.mac =
        'A MAC address has 12 hexadecimal digits, e.g. 00:15:65:12:34:56 (on a label under the phone).';
    if (chosen.length === 0) found.extensions = 'Choose the extension for line 1.';
    if (new Set(chosen).size !== chosen.length) found.extensions = 'Each extension only once per phone.';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    const body: Record<string, unknown> = { extensions: chosen, label };
    if (vendor) body.vendor = vendor;
    const saving = phone
      ? put<PhoneSummary>(`/api/phones/${phone.mac}`, body)
      : post<PhoneSummary>('/api/phones', { ...body, mac: mac.trim() });
    saving.then(props.onSaved, (err: unknown) => {
      setBusy(false);
      if (err instanceof ApiFailure && err.field) setErrors({ [err.field]: fieldMessage(err.message) });
      else setFailure(err instanceof ApiFailure ? capitalise(err.message) : 'Could not save.');
    });
  };

  return (
    <Dialog
      title={phone ? `Set up ${phone.macFormatted}` : 'Add a phone by its MAC address'}
      onClose={props.onClose}
    >
      <form onSubmit={submit} noValidate className="form">
        {failure ? <Notice kind="error">{failure}</Notice> : null}
        {phone ? (
          <p className="help">
            {vendorModel(phone)}
            {phone.address ? `, last seen at ${phone.address}` : ''}.
          </p>
        ) : (
          <Field
            label="MAC address"
            name="mac"
            value={mac}
            onChange={setMac}
            error={errors.mac}
            help="Printed on a label under the phone, e.g. 00:15:65:12:34:56."
            required
            autoFocus
          />
        )}
        <div className={`field${errors.vendor ? ' field-invalid' : ''}`}>
          <label htmlFor="phone-vendor">Make</label>
          <select id="phone-vendor" value={vendor} onChange={(e) => setVendor(e.target.value)}>
            <option value="">{phone?.vendor ? VENDOR_NAMES[phone.vendor] : 'Found out when it asks'}</option>
            {Object.entries(VENDOR_NAMES).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
          {errors.vendor ? (
            <p className="error-text" role="alert">
              {errors.vendor}
            </p>
          ) : null}
        </div>
        <Field
          label="Name on the console"
          name="label"
          value={label}
          onChange={setLabel}
          error={errors.label}
          help="Optional, e.g. Reception."
          autoFocus={Boolean(phone)}
        />
        <fieldset className={`choices${errors.extensions || errors.lines ? ' field-invalid' : ''}`}>
          <legend>Extensions on this phone</legend>
          {lines.map((value, i) => (
            <div key={i} className="field-row line-row">
              <label htmlFor={`line-${i}`}>Line {i + 1}</label>
              <select
                id={`line-${i}`}
                value={value}
                onChange={(e) => setLines(lines.map((l, j) => (j === i ? e.target.value : l)))}
              >
                <option value="">{i === 0 ? 'Choose an extension' : 'None'}</option>
                {sorted.map((u) => (
                  <option key={u.extension} value={u.extension}>
                    {u.extension} — {u.name}
                  </option>
                ))}
              </select>
              {i > 0 ? (
                <button
                  type="button"
                  className="ghost small"
                  onClick={() => setLines(lines.filter((_, j) => j !== i))}
                  aria-label={`Remove line ${i + 1}`}
                >
                  Remove
                </button>
              ) : null}
            </div>
          ))}
          {lines.length < 6 ? (
            <button type="button" className="secondary small" onClick={() => setLines([...lines, ''])}>
              Add a line
            </button>
          ) : null}
          {errors.extensions || errors.lines ? (
            <p className="error-text" role="alert">
              {errors.extensions ?? errors.lines}
            </p>
          ) : null}
        </fieldset>
        <div className="button-row">
          <button type="button" className="secondary" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function FilePreview(props: { phone: PhoneSummary; onClose: () => void }) {
  const [file, setFile] = useState<PhoneConfigPreview | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const { mac } = props.phone;
  useEffect(() => {
    get<PhoneConfigPreview>(`/api/phones/${mac}/config`).then(setFile, (e: unknown) =>
      setError(e instanceof ApiFailure ? capitalise(e.message) : 'Could not read the file.'),
    );
  }, [mac]);
  return (
    <Dialog title={`Settings file of ${props.phone.macFormatted}`} onClose={props.onClose} wide>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {file ? (
        <>
          <p className="help">
            <span className="mono">{file.name}</span> as the phone gets it; passwords are shown as ********.
          </p>
          <pre className="file-preview" data-testid="phone-file">
            {file.body}
          </pre>
        </>
      ) : (
        <p>Loading…</p>
      )}
    </Dialog>
  );
}

/** One phone: its settings, and every request it made (what it asked for and what it got). */
export function PhoneDetailPage(props: { mac: string }) {
  const phone = useLive<PhoneDetail>(`/api/phones/${props.mac}`, ['phones']);
  const p = phone.data;
  return (
    <>
      <PageHeader
        title={p ? p.label || `${vendorModel(p)} ${p.macFormatted}` : 'Phone'}
        intro={<Link to="/phones">← Back to the phones</Link>}
      />
      {phone.error ? <Notice kind="error">{phone.error}</Notice> : null}
      {p ? (
        <div className="two-columns">
          <section className="panel" aria-labelledby="phone-facts">
            <h2 id="phone-facts">Phone</h2>
            <dl className="facts">
              <dt>Make and model</dt>
              <dd>{vendorModel(p)}</dd>
              <dt>MAC address</dt>
              <dd className="mono">{p.macFormatted}</dd>
              <dt>Extensions</dt>
              <dd className="mono">{p.extensions.join(', ') || '—'}</dd>
              <dt>Settings file</dt>
              <dd className="mono wrap">{p.fileUrl ?? 'known once the phone asks'}</dd>
              <dt>Last provisioned</dt>
              <dd>{formatDateTime(p.lastProvisioned)}</dd>
              <dt>Last seen</dt>
              <dd>
                {formatDateTime(p.lastSeen)} {p.address ? `from ${p.address}` : ''}
              </dd>
              <dt>Firmware</dt>
              <dd className="wrap">{p.userAgent || '—'}</dd>
            </dl>
          </section>
          <section className="panel" aria-labelledby="phone-requests">
            <h2 id="phone-requests">What it asked for</h2>
            {p.requests.length === 0 ? (
              <Empty>No requests yet.</Empty>
            ) : (
              <table className="table compact" data-testid="phone-requests">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">How</th>
                    <th scope="col">File</th>
                    <th scope="col">Answer</th>
                  </tr>
                </thead>
                <tbody>
                  {p.requests.map((r, i) => (
                    <tr key={i}>
                      <td>{formatDateTime(r.time)}</td>
                      <td>{r.protocol.toUpperCase()}</td>
                      <td className="mono wrap">{r.path}</td>
                      <td>{r.outcome}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
      ) : null}
    </>
  );
}
