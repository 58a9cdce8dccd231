import { useState } from 'react';
import { ApiFailure, del, request, type Prompt } from '../api';
import { Link, Notice, PageHeader } from '../components';
import { useLive } from '../live';
import { capitalise } from './Login';

/** The prefix of a prompt's name says where it is heard. */
const GROUPS: { prefix: string; title: string }[] = [
  { prefix: 'aa-', title: 'Auto-attendant' },
  { prefix: 'vm-', title: 'Voicemail' },
  { prefix: '', title: 'Numbers, dates and other words' },
];

const audioUrl = (name: string, version: number) =>
  `/api/prompts/${encodeURIComponent(name)}/audio?v=${version}`;

/** Every recording the phone system plays: listen, replace with your own, go back to the shipped one. */
export function Prompts() {
  const prompts = useLive<Prompt[]>('/api/prompts', []);
  const [playing, setPlaying] = useState<string | undefined>(undefined);
  // Bumped at each upload or revert, so the player fetches the recording again.
  const [version, setVersion] = useState(0);
  const [rowError, setRowError] = useState<{ name: string; message: string } | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState<string | undefined>(undefined);

  const list = prompts.data ?? [];
  const done = (text: string) => {
    setBusy(undefined);
    setRowError(undefined);
    setMessage(text);
    setVersion((v) => v + 1);
    prompts.reload();
  };
  const failed = (name: string) => (e: unknown) => {
    setBusy(undefined);
    setMessage(undefined);
    setRowError({ name, message: e instanceof ApiFailure ? e.message : 'That did not work.' });
  };
  const upload = (name: string, file: File) => {
    setBusy(name);
    request<{ seconds: number }>('PUT', `/api/prompts/${encodeURIComponent(name)}`, undefined, { file }).then(
      (r) =>
        done(`${name} now plays your recording ${file.name} (${r.seconds} seconds), from the next call.`),
      failed(name),
    );
  };

  return (
    <>
      <PageHeader
        title="Prompts"
        intro={
          <>
            The recorded sentences callers hear: the <Link to="/attendant">auto-attendant</Link>&rsquo;s
            greetings, the voicemail instructions, numbers and dates. Replace any of them with your own
            recording (a WAV file in any quality: it is converted for the telephone); the next call plays it.
            You can always go back to the recording OfficePBX came with.
          </>
        }
      />
      {message ? <Notice kind="success">{message}</Notice> : null}
      {prompts.error ? <Notice kind="error">{capitalise(prompts.error)}</Notice> : null}
      {playing ? (
        <div className="player" data-testid="prompt-player">
          <p id="prompt-playing">Playing {playing}</p>
          <audio
            key={`${playing}-${version}`}
            controls
            autoPlay
            preload="auto"
            src={audioUrl(playing, version)}
            aria-labelledby="prompt-playing"
          />
        </div>
      ) : null}
      {GROUPS.map((g) => {
        const mine = list.filter(
          (p) =>
            p.name.startsWith(g.prefix) &&
            !GROUPS.some((o) => o.prefix && o !== g && p.name.startsWith(o.prefix)),
        );
        if (mine.length === 0) return null;
        const headingId = `prompts-${g.prefix || 'other'}`;
        return (
          <section className="panel" aria-labelledby={headingId} key={g.title}>
            <h2 id={headingId}>{g.title}</h2>
            <table className="table compact" data-testid={`prompts-${g.prefix || 'other'}`}>
              <thead>
                <tr>
                  <th scope="col">Prompt</th>
                  <th scope="col">Recording</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {mine.map((p) => {
                  const inputId = `upload-${p.name}`;
                  const error = rowError?.name === p.name ? rowError.message : undefined;
                  return (
                    <tr key={p.name} className={error ? 'field-invalid' : undefined}>
                      <td className="mono">{p.name}</td>
                      <td>
                        {p.custom ? (
                          <span className="badge badge-new">your own</span>
                        ) : (
                          <span className="badge">as shipped</span>
                        )}
                        {error ? (
                          <p className="error-text" role="alert" id={`${inputId}-error`}>
                            {capitalise(error.replace(/^audio\b/, 'The file'))}
                          </p>
                        ) : null}
                      </td>
                      <td className="actions">
                        <button
                          type="button"
                          className="small"
                          onClick={() => {
                            setPlaying(p.name);
                            setVersion((v) => v + 1);
                          }}
                          aria-label={`Play ${p.name}`}
                        >
                          Play
                        </button>
                        <input
                          id={inputId}
                          className="visually-hidden"
                          type="file"
                          accept=".wav,audio/wav,audio/x-wav"
                          aria-describedby={error ? `${inputId}-error` : undefined}
                          onChange={(e) => {
                            const f = e.target.files?.[0];
                            e.target.value = '';
                            if (f) upload(p.name, f);
                          }}
                        />
                        <label className="button secondary small file-button" htmlFor={inputId}>
                          {busy === p.name ? 'Uploading…' : 'Replace…'}
                          <span className="visually-hidden"> {p.name} with a WAV file</span>
                        </label>
                        {p.custom && p.shipped ? (
                          <button
                            type="button"
                            className="secondary small"
                            aria-label={`Use the shipped recording of ${p.name}`}
                            onClick={() =>
                              del(`/api/prompts/${encodeURIComponent(p.name)}`).then(
                                () => done(`${p.name} plays the recording OfficePBX came with again.`),
                                failed(p.name),
                              )
                            }
                          >
                            Use the shipped one
                          </button>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
        );
      })}
    </>
  );
}
