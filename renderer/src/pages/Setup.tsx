import { useEffect, useState, type FormEvent } from 'react';
import { ApiFailure, get, post, type SetupInfo } from '../api';
import { Field, Notice } from '../components';
import { capitalise } from './Login';

/**
 * First run: choose the admin password, then the address desk phones will use to reach this PC.
 * Shown only while no admin password exists.
 */
export function Setup(props: { onDone: (message: string | undefined) => void }) {
  const [info, setInfo] = useState<SetupInfo | undefined>(undefined);
  const [step, setStep] = useState<1 | 2>(1);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [advertise, setAdvertise] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    get<SetupInfo>('/api/setup').then(
      (i) => {
        setInfo(i);
        const lan = i.interfaces.find((x) => x.address === i.advertise) ?? i.interfaces[0];
        setAdvertise(lan?.address ?? i.advertise);
      },
      (e: unknown) => setFailure(e instanceof ApiFailure ? e.message : 'OfficePBX is not answering.'),
    );
  }, []);

  const min = info?.minPasswordLength ?? 8;

  const next = (e: FormEvent) => {
    e.preventDefault();
    const found: Record<string, string> = {};
    if (password.length < min) found.password = `Choose at least ${min} characters.`;
    else if (confirm !== password) found.confirm = 'The two passwords are not the same.';
    setErrors(found);
    if (Object.keys(found).length === 0) setStep(2);
  };

  const finish = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    post<{ restartNeeded: boolean }>('/api/setup', { password, advertise }).then(
      (r) =>
        props.onDone(
          r.restartNeeded
            ? `Setup is done. Restart OfficePBX once so that phones use ${advertise}.`
            : 'Setup is done. Next, add your users.',
        ),
      (err: unknown) => {
        setBusy(false);
        if (err instanceof ApiFailure && err.field) {
          setErrors({ [err.field]: capitalise(err.message.replace(/^[a-z]+: /, '')) });
          if (err.field === 'password') setStep(1);
        } else setFailure(err instanceof ApiFailure ? capitalise(err.message) : 'Setup failed.');
      },
    );
  };

  return (
    <main className="auth-page">
      <div className="auth-card wizard">
        <h1>
          <span aria-hidden="true">☎ </span>Welcome to OfficePBX
        </h1>
        <p className="intro">Two questions and your phone system is ready.</p>
        <ol className="steps" aria-label="Setup steps">
          <li aria-current={step === 1 ? 'step' : undefined}>Admin password</li>
          <li aria-current={step === 2 ? 'step' : undefined}>Address for phones</li>
        </ol>
        {failure ? <Notice kind="error">{failure}</Notice> : null}
        {step === 1 ? (
          <form onSubmit={next} noValidate>
            <Field
              label="Admin password"
              name="password"
              type="password"
              value={password}
              onChange={setPassword}
              error={errors.password}
              help={`You will use it to log in to this console. At least ${min} characters.`}
              autoFocus
              autoComplete="new-password"
              required
            />
            <Field
              label="Type it again"
              name="confirm"
              type="password"
              value={confirm}
              onChange={setConfirm}
              error={errors.confirm}
              autoComplete="new-password"
              required
            />
            <button type="submit">Next</button>
          </form>
        ) : (
          <form onSubmit={finish} noValidate>
            <fieldset className="choices">
              <legend>Which address should desk phones use to reach this PC?</legend>
              <p className="help">
                Pick the network your phones are plugged into. If unsure, keep the one selected.
              </p>
              {(info?.interfaces ?? []).map((i) => (
                <label key={`${i.name}-${i.address}`} className="choice">
                  <input
                    type="radio"
                    name="advertise"
                    value={i.address}
                    checked={advertise === i.address}
                    onChange={() => setAdvertise(i.address)}
                  />
                  <span>
                    <strong>{i.address}</strong> <span className="muted">({i.name}</span>
                    <span className="muted">
                      {i.internal ? ', this PC only: phones cannot reach it)' : ')'}
                    </span>
                  </span>
                </label>
              ))}
              {errors.advertise ? (
                <p className="error-text" role="alert">
                  {errors.advertise}
                </p>
              ) : null}
            </fieldset>
            <div className="button-row">
              <button type="button" className="secondary" onClick={() => setStep(1)}>
                Back
              </button>
              <button type="submit" disabled={busy || advertise === ''}>
                {busy ? 'Saving…' : 'Finish setup'}
              </button>
            </div>
          </form>
        )}
      </div>
    </main>
  );
}
