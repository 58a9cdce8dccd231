import { useCallback, useEffect, useState } from 'react';
import { ApiFailure, del, get, whenSessionEnds, type SessionState } from './api';
import { Link, Notice } from './components';
import { closeLiveStream, useLiveConnected } from './live';
import { navigate, usePath } from './router';
import { CallDetail, CallLog } from './pages/CallLog';
import { Dashboard } from './pages/Dashboard';
import { Login } from './pages/Login';
import { PhoneDetailPage, Phones } from './pages/Phones';
import { Provisioning } from './pages/Provisioning';
import { Registrations } from './pages/Registrations';
import { Setup } from './pages/Setup';
import { Users } from './pages/Users';
import { MailboxPage, Voicemail } from './pages/Voicemail';
import { Attendant } from './pages/Attendant';
import { Prompts } from './pages/Prompts';

type Phase = 'loading' | 'offline' | 'setup' | 'login' | 'console';

const NAV = [
  { to: '/', label: 'Dashboard' },
  { to: '/users', label: 'Users' },
  { to: '/voicemail', label: 'Voicemail' },
  { to: '/attendant', label: 'Auto-attendant' },
  { to: '/prompts', label: 'Prompts' },
  { to: '/phones', label: 'Phones' },
  { to: '/registrations', label: 'Registrations' },
  { to: '/calls', label: 'Call log' },
  { to: '/provisioning', label: 'Network setup' },
];

export function App() {
  const [phase, setPhase] = useState<Phase>('loading');
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const check = useCallback(() => {
    get<SessionState>('/api/session').then(
      (s) => setPhase(s.setupNeeded ? 'setup' : s.authenticated ? 'console' : 'login'),
      () => setPhase('offline'),
    );
  }, []);

  useEffect(() => {
    check();
    whenSessionEnds(() => {
      closeLiveStream();
      setNotice('Your session has ended. Log in again to go on.');
      setPhase('login');
    });
  }, [check]);

  if (phase === 'loading') return <p className="center-note">Loading…</p>;
  if (phase === 'offline')
    return (
      <main className="auth-page">
        <Notice kind="error">
          OfficePBX is not answering. Check that the service is running, then{' '}
          <button type="button" className="link-button" onClick={check}>
            try again
          </button>
          .
        </Notice>
      </main>
    );
  if (phase === 'setup')
    return (
      <Setup
        onDone={(message) => {
          setNotice(message);
          navigate('/');
          setPhase('console');
        }}
      />
    );
  if (phase === 'login')
    return (
      <Login
        notice={notice}
        onDone={() => {
          setNotice(undefined);
          setPhase('console');
        }}
      />
    );
  return (
    <Shell
      notice={notice}
      onDismissNotice={() => setNotice(undefined)}
      onLogout={() => {
        closeLiveStream();
        del('/api/session').catch((e: unknown) => (e instanceof ApiFailure ? undefined : undefined));
        setNotice('You have logged out.');
        setPhase('login');
      }}
    />
  );
}

function Shell(props: { notice: string | undefined; onDismissNotice: () => void; onLogout: () => void }) {
  const path = usePath();
  const live = useLiveConnected();
  const { onDismissNotice } = props;
  const [noticePath] = useState(path);
  // A notice belongs to the page it was shown on.
  useEffect(() => {
    if (path !== noticePath) onDismissNotice();
  }, [path, noticePath, onDismissNotice]);
  const section = '/' + (path.split('/')[1] ?? '');
  let page;
  const callMatch = /^\/calls\/(\d+)$/.exec(path);
  const phoneMatch = /^\/phones\/([0-9a-f]{12})$/.exec(path);
  const mailboxMatch = /^\/voicemail\/([0-9]{1,15})$/.exec(path);
  if (path === '/' || path === '') page = <Dashboard />;
  else if (path === '/users') page = <Users />;
  else if (path === '/phones') page = <Phones />;
  else if (phoneMatch) page = <PhoneDetailPage mac={phoneMatch[1] ?? ''} />;
  else if (path === '/provisioning') page = <Provisioning />;
  else if (path === '/voicemail') page = <Voicemail />;
  else if (path === '/attendant') page = <Attendant />;
  else if (path === '/prompts') page = <Prompts />;
  else if (mailboxMatch) page = <MailboxPage key={mailboxMatch[1]} extension={mailboxMatch[1] ?? ''} />;
  else if (path === '/registrations') page = <Registrations />;
  else if (path === '/calls') page = <CallLog />;
  else if (callMatch) page = <CallDetail id={Number(callMatch[1])} />;
  else
    page = (
      <Notice kind="info">
        There is no page at {path}. <Link to="/">Go to the dashboard</Link>.
      </Notice>
    );
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to the page
      </a>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ☎
          </span>
          OfficePBX
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <Link to={n.to} className="nav-link" current={n.to === section}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-foot">
          <span className={`live-dot ${live ? 'live-on' : 'live-off'}`} aria-hidden="true" />
          <span>{live ? 'Live updates on' : 'Connecting…'}</span>
          <button type="button" className="secondary small" onClick={props.onLogout}>
            Log out
          </button>
        </div>
      </aside>
      <main id="main" className="content" tabIndex={-1}>
        {props.notice ? (
          <div className="notice-row">
            <Notice kind="info">{props.notice}</Notice>
            <button type="button" className="ghost small" onClick={props.onDismissNotice}>
              Dismiss
            </button>
          </div>
        ) : null}
        {page}
      </main>
    </div>
  );
}
