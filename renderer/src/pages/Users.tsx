import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  ApiFailure,
  del,
  post,
  put,
  request,
  withQuery,
  type Registration,
  type RowProblem,
  type User,
} from '../api';
import { ConfirmDialog, Dialog, Empty, Field, Notice, PageHeader } from '../components';
import { useLive } from '../live';
import { copyText } from '../clipboard';
import { capitalise } from './Login';

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A strong SIP password: 20 characters from 57 (about 117 bits), none that look alike. */
export function generatePassword(length = 20): string {
  const out: string[] = [];
  const bytes = new Uint8Array(length * 2);
  while (out.length < length) {
    crypto.getRandomValues(bytes);
    for (const b of bytes) {
      // Rejection sampling keeps every character equally likely.
      if (b < 256 - (256 % PASSWORD_ALPHABET.length) && out.length < length)
        out.push(PASSWORD_ALPHABET[b % PASSWORD_ALPHABET.length]!);
    }
  }
  return out.join('');
}

/** The engine's messages start with the field name ("extension: must be …"); the form shows them by the field. */
function fieldMessage(message: string): string {
  return capitalise(message.replace(/^[A-Za-z]+: /, ''));
}

type Editing = { mode: 'add' } | { mode: 'edit'; user: User };

export function Users() {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setQuery(search.trim()), 200);
    return () => clearTimeout(t);
  }, [search]);
  const users = useLive<User[]>(withQuery('/api/users', { search: query }), ['users']);
  const regs = useLive<Registration[]>('/api/registrations', ['registrations']);
  const [editing, setEditing] = useState<Editing | undefined>(undefined);
  const [deleting, setDeleting] = useState<User | undefined>(undefined);
  const [importing, setImporting] = useState(false);
  const [message, setMessage] = useState<string | undefined>(undefined);

  const online = new Set((regs.data ?? []).map((r) => r.extension));
  const close = useCallback(() => setEditing(undefined), []);
  const closeImport = useCallback(() => setImporting(false), []);
  const closeDelete = useCallback(() => setDeleting(undefined), []);

  return (
    <>
      <PageHeader
        title="Users"
        intro="Everyone with a phone. Each user has an extension number and a SIP password their phone logs in with."
        actions={
          <>
            <button type="button" onClick={() => setEditing({ mode: 'add' })}>
              Add user
            </button>
            <button type="button" className="secondary" onClick={() => setImporting(true)}>
              Import CSV
            </button>
            <a className="button secondary" href="/api/users/export" download="officepbx-users.csv">
              Export CSV
            </a>
          </>
        }
      />
      {message ? <Notice kind="success">{message}</Notice> : null}
      <div className="toolbar">
        <label className="search">
          <span className="visually-hidden">Search users</span>
          <input
            type="search"
            placeholder="Search by extension, name or email"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </label>
        <span className="muted">{users.data ? `${users.data.length} shown` : ''}</span>
      </div>
      {users.error ? <Notice kind="error">{users.error}</Notice> : null}
      {users.data && users.data.length === 0 ? (
        <Empty>
          {query ? `No user matches “${query}”.` : 'No users yet. Add the first one, or import a CSV file.'}
        </Empty>
      ) : (
        <table className="table" data-testid="users-table">
          <thead>
            <tr>
              <th scope="col">Extension</th>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Phone</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(users.data ?? []).map((u) => (
              <tr key={u.extension}>
                <td className="mono">{u.extension}</td>
                <td className="wrap">{u.name}</td>
                <td className="wrap">{u.email || <span className="muted">—</span>}</td>
                <td>
                  {online.has(u.extension) ? (
                    <span className="badge badge-good">registered</span>
                  ) : (
                    <span className="badge">not registered</span>
                  )}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() => setEditing({ mode: 'edit', user: u })}
                    aria-label={`Edit ${u.extension} ${u.name}`}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    className="danger small"
                    onClick={() => setDeleting(u)}
                    aria-label={`Delete ${u.extension} ${u.name}`}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing ? (
        <UserForm
          editing={editing}
          onClose={close}
          onSaved={(u, mode) => {
            setMessage(
              mode === 'add' ? `Added ${u.extension} (${u.name}).` : `Saved ${u.extension} (${u.name}).`,
            );
            setEditing(undefined);
            users.reload();
          }}
        />
      ) : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete ${deleting.extension}?`}
          onClose={closeDelete}
          keepLabel="Keep"
          confirmLabel={`Delete ${deleting.extension}`}
          onConfirm={() => {
            const u = deleting;
            del(`/api/users/${encodeURIComponent(u.extension)}`).then(
              () => {
                setMessage(`Deleted ${u.extension} (${u.name}).`);
                setDeleting(undefined);
                users.reload();
              },
              (e: unknown) => {
                setMessage(e instanceof ApiFailure ? capitalise(e.message) : 'Could not delete.');
                setDeleting(undefined);
              },
            );
          }}
        >
          <p>
            {deleting.name}&rsquo;s phone will be logged out and can no longer make or take calls. This cannot
            be undone.
          </p>
        </ConfirmDialog>
      ) : null}
      {importing ? (
        <ImportDialog
          onClose={closeImport}
          onImported={(n) => {
            setMessage(`Imported ${n} user${n === 1 ? '' : 's'}.`);
            setImporting(false);
            users.reload();
          }}
        />
      ) : null}
    </>
  );
}

function UserForm(props: {
  editing: Editing;
  onClose: () => void;
  onSaved: (u: User, mode: 'add' | 'edit') => void;
}) {
  const initial = props.editing.mode === 'edit' ? props.editing.user : undefined;
  const [extension, setExtension] = useState(initial?.extension ?? '');
  const [name, setName] = useState(initial?.name ?? '');
  const [email, setEmail] = useState(initial?.email ?? '');
  const [secret, setSecret] = useState(initial?.secret ?? generatePassword());
  const [pin, setPin] = useState(initial?.voicemailPin ?? '');
  const [showSecret, setShowSecret] = useState(props.editing.mode === 'add');
  const [copied, setCopied] = useState<string | undefined>(undefined);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  /** Editing a field clears what was said about it. */
  const edit = (field: string, set: (v: string) => void) => (v: string) => {
    set(v);
    if (errors[field]) setErrors(({ [field]: _gone, ...rest }) => rest);
  };

  const check = (): Record<string, string> => {
    const e: Record<string, string> = {};
    if (!/^\d{2,15}$/.test(extension)) e.extension = 'Use 2 to 15 digits, for example 201.';
    if (name.trim() === '') e.name = 'Enter the name callers will see.';
    if (email !== '' && !/^[^\s@]+@[^\s@]+$/.test(email))
      e.email = 'This does not look like an email address.';
    if (pin !== '' && !/^\d{4,12}$/.test(pin))
      e.voicemailPin = 'Use 4 to 12 digits, or leave it empty to generate one.';
    return e;
  };

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const found = check();
    setErrors(found);
    setFailure(undefined);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    const body: Record<string, string> = { name: name.trim(), email, secret };
    if (pin !== '') body.voicemailPin = pin;
    const saving =
      props.editing.mode === 'add'
        ? post<User>('/api/users', { extension, ...body })
        : put<User>(`/api/users/${encodeURIComponent(extension)}`, body);
    saving.then(
      (u) => props.onSaved(u, props.editing.mode),
      (e: unknown) => {
        setBusy(false);
        if (e instanceof ApiFailure && e.field) setErrors({ [e.field]: fieldMessage(e.message) });
        else setFailure(e instanceof ApiFailure ? capitalise(e.message) : 'Could not save.');
      },
    );
  };

  return (
    <Dialog title={props.editing.mode === 'add' ? 'Add a user' : `Edit ${extension}`} onClose={props.onClose}>
      <form onSubmit={submit} noValidate className="form">
        {failure ? <Notice kind="error">{failure}</Notice> : null}
        <Field
          label="Extension"
          name="extension"
          value={extension}
          onChange={edit('extension', setExtension)}
          error={errors.extension}
          help="The number colleagues dial. It is also the phone's user name."
          inputMode="numeric"
          required
          autoFocus={props.editing.mode === 'add'}
          disabled={props.editing.mode === 'edit'}
        />
        <Field
          label="Name"
          name="name"
          value={name}
          onChange={edit('name', setName)}
          error={errors.name}
          required
          autoFocus={props.editing.mode === 'edit'}
        />
        <Field
          label="Email"
          name="email"
          type="email"
          value={email}
          onChange={edit('email', setEmail)}
          error={errors.email}
          help="Optional. Voicemail notices go here."
        />
        <Field
          label="SIP password"
          name="secret"
          type={showSecret ? 'text' : 'password'}
          value={secret}
          onChange={edit('secret', setSecret)}
          error={errors.secret}
          help="The phone logs in with the extension and this password. A strong one is generated for you."
          required
        >
          <button type="button" className="secondary small" onClick={() => setShowSecret(!showSecret)}>
            {showSecret ? 'Hide' : 'Show'}
          </button>
          <button
            type="button"
            className="secondary small"
            onClick={() => {
              setSecret(generatePassword());
              setShowSecret(true);
            }}
          >
            Generate
          </button>
          <button
            type="button"
            className="secondary small"
            onClick={() =>
              void copyText(secret).then((ok) =>
                setCopied(ok ? 'Copied.' : 'Copy failed: select it and copy by hand.'),
              )
            }
          >
            Copy
          </button>
        </Field>
        {copied ? (
          <p className="help" role="status">
            {copied}
          </p>
        ) : null}
        <Field
          label="Voicemail PIN"
          name="voicemailPin"
          value={pin}
          onChange={edit('voicemailPin', setPin)}
          error={errors.voicemailPin}
          help="4 to 12 digits for listening to voicemail by phone. Leave empty to generate one."
          inputMode="numeric"
        />
        <div className="button-row">
          <button type="button" className="secondary" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : props.editing.mode === 'add' ? 'Add user' : 'Save'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

interface PreviewRow {
  row: number;
  extension: string;
  name: string;
  email: string;
  generated: string[];
}

function ImportDialog(props: { onClose: () => void; onImported: (n: number) => void }) {
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState('');
  const [preview, setPreview] = useState<PreviewRow[] | undefined>(undefined);
  const [problems, setProblems] = useState<RowProblem[] | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const check = (csv: string) => {
    setPreview(undefined);
    setProblems(undefined);
    setFailure(undefined);
    if (csv.trim() === '') return;
    setBusy(true);
    request<{ rows: PreviewRow[] }>('POST', '/api/users/import?dryRun=1', undefined, { text: csv }).then(
      (r) => {
        setBusy(false);
        setPreview(r.rows);
      },
      (e: unknown) => {
        setBusy(false);
        if (e instanceof ApiFailure && e.rows) setProblems(e.rows);
        else setFailure(e instanceof ApiFailure ? capitalise(e.message) : 'Could not read the file.');
      },
    );
  };

  return (
    <Dialog title="Import users from a CSV file" onClose={props.onClose} wide>
      <p className="help">
        One user per line with a header row: <code>extension,name,email,secret,voicemailPin</code>. Only
        extension and name are required; passwords and PINs left empty are generated. Nothing is written until
        every row is right.
      </p>
      <div className="field">
        <label htmlFor="csv-file">CSV file</label>
        <input
          id="csv-file"
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (!f) return;
            setFileName(f.name);
            void f.text().then((t) => {
              setText(t);
              check(t);
            });
          }}
        />
      </div>
      <details>
        <summary>…or paste the rows</summary>
        <textarea
          aria-label="CSV rows"
          rows={6}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => check(text)}
        />
        <button type="button" className="secondary small" onClick={() => check(text)}>
          Check
        </button>
      </details>
      {busy ? <p role="status">Checking…</p> : null}
      {failure ? <Notice kind="error">{failure}</Notice> : null}
      {problems ? (
        <>
          <Notice kind="error">
            {fileName || 'The file'} has {problems.length} problem{problems.length === 1 ? '' : 's'}. Nothing
            was imported: fix {problems.length === 1 ? 'it' : 'them'} and choose the file again.
          </Notice>
          <table className="table" data-testid="import-errors">
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Column</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {problems.map((p, i) => (
                <tr key={i}>
                  <td>{p.row}</td>
                  <td>{p.field ?? '—'}</td>
                  <td className="wrap">{capitalise(p.message)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      {preview ? (
        <>
          <p role="status">
            {preview.length} user{preview.length === 1 ? '' : 's'} ready to import:
          </p>
          <div className="scroll-box">
            <table className="table" data-testid="import-preview">
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Extension</th>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Generated</th>
                </tr>
              </thead>
              <tbody>
                {preview.map((r) => (
                  <tr key={r.row}>
                    <td>{r.row}</td>
                    <td className="mono">{r.extension}</td>
                    <td className="wrap">{r.name}</td>
                    <td className="wrap">{r.email || '—'}</td>
                    <td>{r.generated.length ? r.generated.join(', ') : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      <div className="button-row">
        <button type="button" className="secondary" onClick={props.onClose}>
          Cancel
        </button>
        <button
          type="button"
          disabled={!preview || preview.length === 0 || busy}
          onClick={() => {
            setBusy(true);
            request<{ imported: number }>('POST', '/api/users/import', undefined, { text }).then(
              (r) => props.onImported(r.imported),
              (e: unknown) => {
                setBusy(false);
                if (e instanceof ApiFailure && e.rows) {
                  setPreview(undefined);
                  setProblems(e.rows);
                } else setFailure(e instanceof ApiFailure ? capitalise(e.message) : 'Import failed.');
              },
            );
          }}
        >
          Import {preview ? preview.length : ''} users
        </button>
      </div>
    </Dialog>
  );
}
