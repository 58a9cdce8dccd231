import { useEffect, useId, useRef, type ReactNode } from 'react';
import { navigate } from './router';

/** A labelled input with its help text and, when the engine refused it, the reason next to it. */
export function Field(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  help?: string;
  type?: string;
  name: string;
  autoFocus?: boolean;
  autoComplete?: string;
  required?: boolean;
  inputMode?: 'numeric' | 'text' | 'email';
  disabled?: boolean;
  children?: ReactNode;
}) {
  const id = useId();
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const described = [props.help ? helpId : '', props.error ? errorId : ''].filter(Boolean).join(' ');
  return (
    <div className={`field${props.error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      <div className="field-row">
        <input
          id={id}
          name={props.name}
          type={props.type ?? 'text'}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          aria-invalid={props.error ? true : undefined}
          aria-describedby={described || undefined}
          autoFocus={props.autoFocus}
          data-autofocus={props.autoFocus ? 'true' : undefined}
          autoComplete={props.autoComplete ?? 'off'}
          required={props.required}
          inputMode={props.inputMode}
          disabled={props.disabled}
        />
        {props.children}
      </div>
      {props.help ? (
        <p className="help" id={helpId}>
          {props.help}
        </p>
      ) : null}
      {props.error ? (
        <p className="error-text" id={errorId} role="alert">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

export function Notice(props: { kind: 'error' | 'info' | 'success' | 'warning'; children: ReactNode }) {
  return (
    <div className={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

/** A modal dialog: focus moves in, Escape closes, focus goes back where it was. */
export function Dialog(props: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const { onClose } = props;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const before = document.activeElement as HTMLElement | null;
    if (!d.open) d.showModal();
    // showModal() focuses the first button (the ✕); the field or button marked to start with wins.
    d.querySelector<HTMLElement>('[data-autofocus="true"]')?.focus();
    const cancel = (e: Event) => {
      e.preventDefault();
      onClose();
    };
    d.addEventListener('cancel', cancel);
    return () => {
      d.removeEventListener('cancel', cancel);
      if (d.open) d.close();
      before?.focus();
    };
  }, [onClose]);
  return (
    <dialog ref={ref} className={props.wide ? 'dialog dialog-wide' : 'dialog'} aria-label={props.title}>
      <div className="dialog-head">
        <h2>{props.title}</h2>
        <button type="button" className="ghost" onClick={props.onClose} aria-label="Close">
          ✕
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

/**
 * A question before something that cannot be undone: what will happen, then the safe button (focused, so
 * Enter keeps things as they are) and the one that goes ahead.
 */
export function ConfirmDialog(props: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  keepLabel: string;
  confirmLabel: string;
  onConfirm: () => void;
}) {
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      {props.children}
      <div className="button-row">
        <button type="button" className="secondary" onClick={props.onClose} data-autofocus="true">
          {props.keepLabel}
        </button>
        <button type="button" className="danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}

/** An in-console link: keeps the page, changes the address. */
export function Link(props: { to: string; children: ReactNode; className?: string; current?: boolean }) {
  return (
    <a
      href={props.to}
      className={props.className}
      aria-current={props.current ? 'page' : undefined}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}

export function PageHeader(props: { title: string; intro: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{props.title}</h1>
        <p className="intro">{props.intro}</p>
      </div>
      {props.actions ? <div className="page-actions">{props.actions}</div> : null}
    </header>
  );
}

export function Empty(props: { children: ReactNode }) {
  return <p className="empty">{props.children}</p>;
}
