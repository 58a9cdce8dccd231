import { useState, type FormEvent } from 'react';
import { ApiFailure, post } from '../api';
import { Field, Notice } from '../components';

export function Login(props: { notice: string | undefined; onDone: () => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (password === '') {
      setError('Enter the admin password.');
      return;
    }
    setBusy(true);
    post('/api/session', { password }).then(
      () => props.onDone(),
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof ApiFailure ? capitalise(err.message) : 'Could not log in.');
      },
    );
  };

  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={submit} noValidate>
        <h1>
          <span aria-hidden="true">☎ </span>OfficePBX
        </h1>
        <p className="intro">Log in to manage users, phones and calls.</p>
        {props.notice ? <Notice kind="info">{props.notice}</Notice> : null}
        <Field
          label="Admin password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          error={error}
          autoFocus
          autoComplete="current-password"
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? '' : '.');
}
