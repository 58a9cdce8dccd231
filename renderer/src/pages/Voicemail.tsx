import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import {
  ApiFailure,
  del,
  get,
  put,
  request,
  type MailboxSummary,
  type VoicemailMessage,
  type VoicemailSettings,
} from '../api';
import { ConfirmDialog, Empty, Field, Link, Notice, PageHeader } from '../components';
import { formatDateTime, formatDuration, formatRelative } from '../format';
import { useLive, useNow } from '../live';
import { capitalise } from './Login';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Everyone's mailbox with how many messages wait in it; a name opens that mailbox. */
export function Voicemail() {
  const boxes = useLive<MailboxSummary[]>('/api/voicemail', ['voicemail', 'users']);
  const list = boxes.data ?? [];
  const waiting = list.reduce((n, b) => n + b.unheard, 0);
  return (
    <>
      <PageHeader
        title="Voicemail"
        intro={
          <>
            Messages callers left when nobody answered. Every user has a mailbox. Open one to listen to its
            messages, and to choose when that person&rsquo;s calls go to voicemail. Anyone can also leave a
            message without ringing the phone by dialling * and the extension (for example *201).
          </>
        }
      />
      {boxes.error ? <Notice kind="error">{boxes.error}</Notice> : null}
      {boxes.data && list.length === 0 ? (
        <Empty>
          No mailboxes yet: each user gets one. <Link to="/users">Add users</Link> first.
        </Empty>
      ) : (
        <>
          <p className="muted" role="status">
            {boxes.data
              ? waiting === 0
                ? 'No new messages.'
                : `${plural(waiting, 'new message')} in all.`
              : ''}
          </p>
          <table className="table" data-testid="mailboxes-table">
            <thead>
              <tr>
                <th scope="col">Extension</th>
                <th scope="col">Name</th>
                <th scope="col">New</th>
                <th scope="col">All messages</th>
                <th scope="col">Greeting</th>
              </tr>
            </thead>
            <tbody>
              {list.map((b) => (
                <tr key={b.extension}>
                  <td className="mono">{b.extension}</td>
                  <td className="wrap">
                    <Link to={`/voicemail/${encodeURIComponent(b.extension)}`}>{b.name}</Link>
                  </td>
                  <td>
                    {b.unheard > 0 ? (
                      <span className="badge badge-new">{plural(b.unheard, 'new message')}</span>
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </td>
                  <td>{b.messages}</td>
                  <td>{b.greeting ? 'their own' : <span className="muted">standard</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

/** Names of the office's own extensions: a colleague's message shows who it is even without a caller name. */
type Names = ReadonlyMap<string, string>;

/** The caller's name (as their phone sent it, or the directory's for a colleague), if known. */
function callerName(m: VoicemailMessage, names: Names): string | undefined {
  return m.callerName || names.get(m.caller.trim()) || undefined;
}

/** "Carol Caller (5101)", or the number alone when nobody knows the name. */
function callerText(m: VoicemailMessage, names: Names): string {
  const number = m.caller.trim();
  const name = callerName(m, names);
  if (name && number) return `${name} (${number})`;
  return name || number || 'an unknown caller';
}

const audioUrl = (m: VoicemailMessage) => `/api/voicemail/${encodeURIComponent(m.extension)}/${m.id}/audio`;

/** One person's mailbox: the messages (play, heard/new, download, delete) and when calls come here. */
export function MailboxPage(props: { extension: string }) {
  const ext = props.extension;
  const base = `/api/voicemail/${encodeURIComponent(ext)}`;
  const messages = useLive<VoicemailMessage[]>(base, ['voicemail', 'users']);
  // Every mailbox: the owner's name (and colleagues' names for callers) and whether it has its own greeting.
  const boxes = useLive<MailboxSummary[]>('/api/voicemail', ['voicemail', 'users']);
  const names: Names = new Map((boxes.data ?? []).map((b) => [b.extension, b.name]));
  const user = boxes.data?.find((b) => b.extension === ext);
  // Re-renders now and then so "2 minutes ago" keeps up.
  useNow(30_000);
  const [playing, setPlaying] = useState<VoicemailMessage | undefined>(undefined);
  const [deleting, setDeleting] = useState<VoicemailMessage | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const closeDelete = useCallback(() => setDeleting(undefined), []);

  const list = messages.data ?? [];
  const unheard = list.filter((m) => !m.heard).length;
  // A message deleted elsewhere (by phone, another console) stops being offered in the player.
  useEffect(() => {
    if (playing && messages.data && !messages.data.some((m) => m.id === playing.id)) setPlaying(undefined);
  }, [messages.data, playing]);

  const act = (p: Promise<unknown>, done: string | undefined) =>
    p.then(
      () => {
        setFailure(undefined);
        if (done) setMessage(done);
        messages.reload();
      },
      (e: unknown) => setFailure(e instanceof ApiFailure ? capitalise(e.message) : 'That did not work.'),
    );
  const setHeard = (m: VoicemailMessage, heard: boolean, done?: string) =>
    act(put(`${base}/${m.id}`, { heard }), done);

  const name = user?.name;
  return (
    <>
      <PageHeader
        title={name ? `Voicemail for ${name} (${ext})` : `Voicemail for ${ext}`}
        intro={
          <>
            <Link to="/voicemail">← All mailboxes</Link>. Press Play to listen here; a message you play is
            marked as heard. Callers reach this mailbox when {name ?? ext} does not take the call (see below),
            or straight away by dialling *{ext}.
          </>
        }
      />
      {message ? <Notice kind="success">{message}</Notice> : null}
      {failure ? <Notice kind="error">{failure}</Notice> : null}
      {messages.error ? <Notice kind="error">{capitalise(messages.error)}</Notice> : null}
      <section className="panel" aria-labelledby="messages-heading">
        <h2 id="messages-heading">Messages</h2>
        <p className="help" role="status" data-testid="message-count">
          {messages.data
            ? list.length === 0
              ? 'No messages.'
              : `${plural(list.length, 'message')}, ${unheard} new. Newest first.`
            : 'Loading…'}
        </p>
        {playing ? (
          <div className="player" data-testid="player">
            <p id="player-caption">
              Message from {callerText(playing, names)}, left {formatDateTime(playing.created)}
            </p>
            <audio
              key={playing.id}
              controls
              autoPlay
              preload="auto"
              src={audioUrl(playing)}
              aria-labelledby="player-caption"
              onPlay={() => {
                // Fetching the audio does not mark it heard on the server: playing it here does.
                const m = list.find((x) => x.id === playing.id);
                if (m && !m.heard) setHeard(m, true);
              }}
            />
          </div>
        ) : null}
        {list.length > 0 ? (
          <table className="table" data-testid="messages-table">
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">Left</th>
                <th scope="col">Length</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((m) => {
                const who = callerText(m, names);
                const name = callerName(m, names);
                return (
                  <tr key={m.id} className={m.heard ? undefined : 'unheard'} data-message-id={m.id}>
                    <td className="wrap">
                      {name ? (
                        <>
                          {name}
                          <div className="muted mono">{m.caller}</div>
                        </>
                      ) : (
                        <span className="mono">{m.caller || 'unknown'}</span>
                      )}
                    </td>
                    <td>
                      {formatDateTime(m.created)}
                      <div className="muted">{formatRelative(m.created)}</div>
                    </td>
                    <td>{formatDuration(m.seconds)}</td>
                    <td>
                      {m.heard ? (
                        <span className="badge">heard</span>
                      ) : (
                        <span className="badge badge-new">new</span>
                      )}
                    </td>
                    <td className="actions">
                      <button
                        type="button"
                        className="small"
                        onClick={() => setPlaying(m)}
                        aria-label={`Play the message from ${who}`}
                      >
                        Play
                      </button>
                      <button
                        type="button"
                        className="secondary small"
                        onClick={() => setHeard(m, !m.heard)}
                        aria-label={`${m.heard ? 'Mark as new' : 'Mark as heard'}: the message from ${who}`}
                      >
                        {m.heard ? 'Mark as new' : 'Mark as heard'}
                      </button>
                      <a
                        className="button secondary small"
                        href={audioUrl(m)}
                        download={`voicemail-${m.extension}-${m.id}.wav`}
                        aria-label={`Download the message from ${who} (WAV file)`}
                      >
                        Download
                      </a>
                      <button
                        type="button"
                        className="danger small"
                        onClick={() => setDeleting(m)}
                        aria-label={`Delete the message from ${who}`}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : null}
      </section>
      {user ? <GreetingPanel box={user} onChanged={boxes.reload} /> : null}
      {user ? <VoicemailSettingsForm extension={ext} name={user.name} /> : null}
      {deleting ? (
        <ConfirmDialog
          title="Delete this message?"
          onClose={closeDelete}
          keepLabel="Keep it"
          confirmLabel="Delete message"
          onConfirm={() => {
            const m = deleting;
            setDeleting(undefined);
            if (playing?.id === m.id) setPlaying(undefined);
            void act(del(`${base}/${m.id}`), `Deleted the message from ${callerText(m, names)}.`);
          }}
        >
          <p>
            The message from {callerText(deleting, names)}, left {formatDateTime(deleting.created)} (
            {formatDuration(deleting.seconds)}), will be gone for good: it cannot be played again.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

const firstName = (name: string, fallback: string) => name.trim().split(/\s+/)[0] || fallback;

/**
 * What callers hear before the beep: the owner's own greeting (played here, replaced by an upload, removed
 * to go back to the standard one) or the standard greeting that reads out the extension.
 */
function GreetingPanel(props: { box: MailboxSummary; onChanged: () => void }) {
  const { extension, name, greeting } = props.box;
  const path = `/api/voicemail/${encodeURIComponent(extension)}/greeting`;
  const first = firstName(name, extension);
  // A new upload is a new address for the player, so it loads the new greeting instead of the old.
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState(false);
  const closeRemove = useCallback(() => setRemoving(false), []);
  const inputId = useId();

  const upload = (file: File) => {
    setError(undefined);
    setDone(undefined);
    setBusy(true);
    request<{ seconds: number }>('PUT', path, undefined, { file }).then(
      (r) => {
        setBusy(false);
        setVersion((v) => v + 1);
        setDone(
          `Saved ${file.name} (${r.seconds} seconds) as ${first}’s greeting. Callers hear it from the next call.`,
        );
        props.onChanged();
      },
      (e: unknown) => {
        setBusy(false);
        // The engine explains what is wrong with the file (not a WAV, too short, too long) by the field.
        setError(
          e instanceof ApiFailure ? settingMessage('greeting', e.message) : 'Could not upload the file.',
        );
      },
    );
  };

  return (
    <section className="panel" aria-labelledby="greeting-heading">
      <h2 id="greeting-heading">Greeting</h2>
      {greeting ? (
        <>
          <p className="help" id="greeting-now">
            Callers hear {first}&rsquo;s own greeting, then the tone:
          </p>
          <audio
            key={version}
            controls
            preload="metadata"
            src={`${path}?v=${version}`}
            aria-labelledby="greeting-now"
            data-testid="greeting-audio"
          />
        </>
      ) : (
        <p className="help">
          Callers hear the standard greeting: &ldquo;The person at extension {extension.split('').join(' ')}{' '}
          is not available. Please leave a message after the tone.&rdquo;
        </p>
      )}
      {done ? <Notice kind="success">{done}</Notice> : null}
      <div className={`field${error ? ' field-invalid' : ''}`}>
        <label htmlFor={inputId}>
          {greeting ? 'Replace it with a recording' : 'Upload a greeting of their own'}
        </label>
        <input
          id={inputId}
          type="file"
          name="greeting"
          accept=".wav,audio/wav,audio/x-wav"
          disabled={busy}
          aria-describedby={`${inputId}-help${error ? ` ${inputId}-error` : ''}`}
          aria-invalid={error ? true : undefined}
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = ''; // choosing the same file again uploads it again
            if (f) upload(f);
          }}
        />
        <p className="help" id={`${inputId}-help`}>
          A WAV file from 0.5 seconds to 5 minutes long; it is converted to telephone quality. {first} can
          also record one by phone: dial *97, enter the voicemail PIN, then press 3.
        </p>
        {busy ? <p role="status">Uploading…</p> : null}
        {error ? (
          <p className="error-text" id={`${inputId}-error`} role="alert">
            {error}
          </p>
        ) : null}
      </div>
      {greeting ? (
        <div className="button-row">
          <button type="button" className="secondary" onClick={() => setRemoving(true)}>
            Use the standard greeting
          </button>
        </div>
      ) : null}
      {removing ? (
        <ConfirmDialog
          title={`Remove ${first}’s own greeting?`}
          onClose={closeRemove}
          keepLabel="Keep it"
          confirmLabel="Remove greeting"
          onConfirm={() => {
            setRemoving(false);
            setError(undefined);
            del(path).then(
              () => {
                setDone(`Callers hear the standard greeting again.`);
                props.onChanged();
              },
              (e: unknown) =>
                setError(e instanceof ApiFailure ? capitalise(e.message) : 'Could not remove it.'),
            );
          }}
        >
          <p>
            Callers will hear the standard greeting instead. The recording is deleted; to have it back, upload
            or record it again.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

/** The settings' API names as the form calls them, so the engine's messages read as the page does. */
const SETTING_LABELS: Record<string, string> = {
  greeting: 'The file',
  ringSeconds: 'Ring time',
  onNoAnswer: '“Nobody answers”',
  onBusy: '“The line is busy”',
  onUnavailable: '“No phone is connected”',
};

function settingMessage(field: string, message: string): string {
  const label = SETTING_LABELS[field];
  return capitalise(label && message.startsWith(field) ? label + message.slice(field.length) : message);
}

type Flag = 'onNoAnswer' | 'onBusy' | 'onUnavailable';

/** Ring time and the three cases that send a call to voicemail, saved with `PUT …/settings`. */
function VoicemailSettingsForm(props: { extension: string; name: string }) {
  const path = `/api/voicemail/${encodeURIComponent(props.extension)}/settings`;
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [ring, setRing] = useState('');
  const [flags, setFlags] = useState<Record<Flag, boolean>>({
    onNoAnswer: true,
    onBusy: true,
    onUnavailable: true,
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const idBase = useId();

  /** The form shows what is stored: once loaded, and as the engine answered each save. */
  const show = useCallback((s: VoicemailSettings) => {
    setRing(String(s.ringSeconds));
    setFlags({ onNoAnswer: s.onNoAnswer, onBusy: s.onBusy, onUnavailable: s.onUnavailable });
    setLoaded(true);
  }, []);
  useEffect(() => {
    get<VoicemailSettings>(path).then(show, (e: unknown) =>
      setLoadError(e instanceof ApiFailure ? capitalise(e.message) : 'The settings could not be read.'),
    );
  }, [path, show]);

  const clear = (field: string) => {
    setDone(undefined);
    if (errors[field]) setErrors(({ [field]: _gone, ...rest }) => rest);
  };

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    setErrors({});
    setFailure(undefined);
    setDone(undefined);
    setBusy(true);
    // The engine checks the range and says what is wrong by the field; a non-number goes as typed.
    const r = ring.trim();
    const ringSeconds: unknown = /^\d{1,6}$/.test(r) ? Number(r) : r;
    put<VoicemailSettings>(path, { ringSeconds, ...flags }).then(
      (s) => {
        setBusy(false);
        show(s);
        setDone('Saved. The next call uses these settings.');
      },
      (e: unknown) => {
        setBusy(false);
        if (e instanceof ApiFailure && e.field && (e.field in SETTING_LABELS || e.field === 'extension'))
          setErrors({ [e.field]: settingMessage(e.field, e.message) });
        else setFailure(e instanceof ApiFailure ? capitalise(e.message) : 'Could not save.');
      },
    );
  };

  const first = firstName(props.name, props.extension);
  const choices: { flag: Flag; label: string; help: string }[] = [
    {
      flag: 'onNoAnswer',
      label: 'Nobody answers',
      help: `The phone rang for the ring time above and ${first} did not pick up. Untick it and the phone rings until the caller gives up.`,
    },
    {
      flag: 'onBusy',
      label: 'The line is busy',
      help: `${first} is on another call, or pressed the reject button. Untick it and the caller hears a busy tone.`,
    },
    {
      flag: 'onUnavailable',
      label: 'No phone is connected',
      help: `${first}'s phone is switched off, unplugged or not set up yet. Untick it and the caller hears that the number cannot be reached.`,
    },
  ];

  return (
    <section className="panel" aria-labelledby="vm-settings-heading">
      <h2 id="vm-settings-heading">When calls go to voicemail</h2>
      <p className="help">
        Calls to {props.extension} that are not answered can go to this mailbox, where the caller hears a
        greeting and can leave a message. The defaults suit most people.
      </p>
      {loadError ? <Notice kind="error">{loadError}</Notice> : null}
      {!loaded && !loadError ? <p className="muted">Loading…</p> : null}
      <form hidden={!loaded} onSubmit={submit} noValidate className="form" aria-label="Voicemail settings">
        {failure ? <Notice kind="error">{failure}</Notice> : null}
        <Field
          label="Ring time (seconds)"
          name="ringSeconds"
          type="number"
          inputMode="numeric"
          value={ring}
          onChange={(v) => {
            setRing(v);
            clear('ringSeconds');
          }}
          error={errors.ringSeconds}
          help="How long the phone rings before voicemail answers: 5 to 300 seconds. The usual 20 seconds is about four rings."
        />
        <fieldset className="choices">
          <legend>Send the call to voicemail when</legend>
          {choices.map((c) => {
            const helpId = `${idBase}-${c.flag}-help`;
            const errorId = `${idBase}-${c.flag}-error`;
            const error = errors[c.flag];
            return (
              <div key={c.flag} className={error ? 'field-invalid' : undefined}>
                <label className="choice">
                  <input
                    type="checkbox"
                    name={c.flag}
                    checked={flags[c.flag]}
                    onChange={(e) => {
                      setFlags({ ...flags, [c.flag]: e.target.checked });
                      clear(c.flag);
                    }}
                    aria-describedby={error ? `${helpId} ${errorId}` : helpId}
                    aria-invalid={error ? true : undefined}
                  />
                  <span>
                    <strong>{c.label}</strong>
                    <span className="help" id={helpId}>
                      {c.help}
                    </span>
                  </span>
                </label>
                {error ? (
                  <p className="error-text" id={errorId} role="alert">
                    {error}
                  </p>
                ) : null}
              </div>
            );
          })}
        </fieldset>
        {errors.extension ? <Notice kind="error">{errors.extension}</Notice> : null}
        <div className="button-row">
          <button type="submit" disabled={busy || !loaded}>
            {busy ? 'Saving…' : 'Save voicemail settings'}
          </button>
          {done ? (
            <span className="save-note" role="status">
              {done}
            </span>
          ) : null}
        </div>
      </form>
    </section>
  );
}
