import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import {
  ApiFailure,
  get,
  put,
  type AttendantConfig,
  type AttendantDestination,
  type AttendantMenu,
  type OpeningPeriod,
  type Prompt,
  type User,
  type Weekday,
} from '../api';
import { Empty, Field, Link, Notice, PageHeader } from '../components';
import { useLive } from '../live';
import { capitalise } from './Login';

/** Monday first, as an office plans its week; the API's names beside the words people read. */
const DAYS: { day: Weekday; label: string }[] = [
  { day: 'mon', label: 'Monday' },
  { day: 'tue', label: 'Tuesday' },
  { day: 'wed', label: 'Wednesday' },
  { day: 'thu', label: 'Thursday' },
  { day: 'fri', label: 'Friday' },
  { day: 'sat', label: 'Saturday' },
  { day: 'sun', label: 'Sunday' },
];
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '*'];
const TYPE_LABELS: Record<AttendantDestination['type'], string> = {
  extension: 'Ring an extension',
  voicemail: 'Leave a message for',
  operator: 'The operator',
  hangup: 'Say goodbye and hang up',
};

/** One problem the engine found, by the field it names (`digits.3`, `schedule.mon.0.to` …). */
interface Problem {
  field: string;
  message: string;
}

/** The engine's message without its leading field path ("digits.3: extension 999 …" → "Extension 999 …"). */
function problemText(p: Problem): string {
  return capitalise(p.message.startsWith(`${p.field}: `) ? p.message.slice(p.field.length + 2) : p.message);
}

/** Shows the engine's message when it names this field (or one inside it). */
function FieldProblem(props: { problem: Problem | undefined; field: string; id?: string }) {
  const p = props.problem;
  if (!p || (p.field !== props.field && !p.field.startsWith(`${props.field}.`))) return null;
  return (
    <p className="error-text" role="alert" id={props.id}>
      {problemText(p)}
    </p>
  );
}

/** The answering machine of the office: greeting, keys, hours, and what happens after hours. */
export function Attendant() {
  const users = useLive<User[]>('/api/users', ['users']);
  const prompts = useLive<Prompt[]>('/api/prompts', []);
  const [config, setConfig] = useState<AttendantConfig | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    get<AttendantConfig>('/api/autoattendant').then(setConfig, (e: unknown) =>
      setLoadError(e instanceof ApiFailure ? capitalise(e.message) : 'The auto-attendant could not be read.'),
    );
  }, []);

  if (loadError) return <Notice kind="error">{loadError}</Notice>;
  if (!config) return <p className="muted">Loading…</p>;

  const change = (patch: Partial<AttendantConfig>) => {
    setConfig({ ...config, ...patch });
    setDone(undefined);
  };
  const people = users.data ?? [];
  const promptNames = (prompts.data ?? []).map((p) => p.name);

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    setProblem(undefined);
    setFailure(undefined);
    setDone(undefined);
    setBusy(true);
    const { effectiveTimeZone: _shown, ...body } = config;
    put<AttendantConfig>('/api/autoattendant', body).then(
      (saved) => {
        setBusy(false);
        setConfig(saved);
        setDone('Saved. The next caller hears the new settings.');
      },
      (e: unknown) => {
        setBusy(false);
        if (e instanceof ApiFailure && e.field) setProblem({ field: e.field, message: e.message });
        else setFailure(e instanceof ApiFailure ? capitalise(e.message) : 'Could not save.');
      },
    );
  };

  const summary = problem ? (
    <Notice kind="error">Not saved: {problemText(problem)} (see the marked field below).</Notice>
  ) : null;
  return (
    <>
      <PageHeader
        title="Auto-attendant"
        intro={
          <>
            The auto-attendant answers calls to the main number, plays a greeting and sends callers where they
            choose: &ldquo;press 1 for sales&rdquo;, or any extension they type. Outside office hours and on
            holidays it plays a different greeting. The recordings themselves are on the{' '}
            <Link to="/prompts">Prompts</Link> page.
          </>
        }
      />
      <form onSubmit={submit} noValidate aria-label="Auto-attendant settings">
        {summary}
        {failure ? <Notice kind="error">{failure}</Notice> : null}
        <section className="panel" aria-labelledby="aa-main">
          <h2 id="aa-main">Main number</h2>
          <label className="choice">
            <input
              type="checkbox"
              checked={config.enabled}
              onChange={(e) => change({ enabled: e.target.checked })}
            />
            <span>
              <strong>Answer calls to the auto-attendant</strong>
              <span className="help">Unticked, callers to its number hear that it is not available.</span>
            </span>
          </label>
          <Field
            label="Its number"
            name="extension"
            value={config.extension}
            inputMode="numeric"
            onChange={(v) => change({ extension: v })}
            error={problem?.field === 'extension' ? problemText(problem) : undefined}
            help="What colleagues dial to reach it, and where incoming lines are sent. 2 to 15 digits that are no one's extension."
          />
          <SelectField
            label="Operator"
            value={config.operator ?? ''}
            onChange={(v) => change({ operator: v === '' ? null : v })}
            problem={problem}
            field="operator"
            help="Who answers when a caller presses 0, waits without choosing, or keeps choosing wrongly."
          >
            <option value="">No operator (those callers hear goodbye)</option>
            {people.map((u) => (
              <option key={u.extension} value={u.extension}>
                {u.extension} {u.name}
              </option>
            ))}
          </SelectField>
        </section>

        <MenuEditor
          title="During office hours"
          intro="What callers hear and can press while the office is open (all the time, unless you set opening hours below)."
          menu={config}
          prefix=""
          onChange={(m) => change(m)}
          people={people}
          promptNames={promptNames}
          hasOperator={config.operator !== null}
          problem={problem}
        />

        <section className="panel" aria-labelledby="aa-wait">
          <h2 id="aa-wait">Waiting for a choice</h2>
          <div className="two-fields">
            <NumberField
              label="Seconds to wait for a key"
              value={config.timeoutSeconds}
              onChange={(n) => change({ timeoutSeconds: n })}
              problem={problem}
              field="timeoutSeconds"
              help="After the greeting: 1 to 30 seconds."
            />
            <NumberField
              label="Times the greeting is played"
              value={config.maxTries}
              onChange={(n) => change({ maxTries: n })}
              problem={problem}
              field="maxTries"
              help="Before “no choice” or “wrong choice” below applies: 1 to 10."
            />
          </div>
        </section>

        <HoursEditor config={config} onChange={change} problem={problem} />

        <MenuEditor
          title="Outside office hours and on holidays"
          intro="What callers hear and can press while the office is closed."
          menu={config.afterHours}
          prefix="afterHours."
          onChange={(m) => change({ afterHours: { ...config.afterHours, ...m } })}
          people={people}
          promptNames={promptNames}
          hasOperator={config.operator !== null}
          problem={problem}
        />

        <div className="button-row save-bar">
          {done ? (
            <span className="save-note" role="status">
              {done}
            </span>
          ) : null}
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save the auto-attendant'}
          </button>
        </div>
      </form>
    </>
  );
}

function SelectField(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  problem: Problem | undefined;
  field: string;
  help?: string;
  children: ReactNode;
}) {
  const id = useId();
  const bad = props.problem?.field === props.field;
  return (
    <div className={`field${bad ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        aria-invalid={bad ? true : undefined}
        aria-describedby={
          [props.help ? `${id}-help` : '', bad ? `${id}-error` : ''].join(' ').trim() || undefined
        }
      >
        {props.children}
      </select>
      {props.help ? (
        <p className="help" id={`${id}-help`}>
          {props.help}
        </p>
      ) : null}
      <FieldProblem problem={bad ? props.problem : undefined} field={props.field} id={`${id}-error`} />
    </div>
  );
}

function NumberField(props: {
  label: string;
  value: number;
  onChange: (n: number) => void;
  problem: Problem | undefined;
  field: string;
  help: string;
}) {
  const [text, setText] = useState(String(props.value));
  useEffect(() => setText(String(props.value)), [props.value]);
  return (
    <Field
      label={props.label}
      name={props.field}
      type="number"
      inputMode="numeric"
      value={text}
      onChange={(v) => {
        setText(v);
        // What cannot be read as a number goes as NaN, which the engine refuses by the field.
        props.onChange(v.trim() === '' ? Number.NaN : Number(v));
      }}
      error={props.problem?.field === props.field ? problemText(props.problem) : undefined}
      help={props.help}
    />
  );
}

/** A destination: what kind, and for extension and voicemail, whose. */
function DestinationPicker(props: {
  label: string;
  value: AttendantDestination;
  onChange: (d: AttendantDestination) => void;
  people: User[];
  field: string;
  problem: Problem | undefined;
  hideLabel?: boolean;
}) {
  const id = useId();
  const d = props.value;
  const bad =
    props.problem !== undefined &&
    (props.problem.field === props.field || props.problem.field.startsWith(`${props.field}.`));
  const whose = 'extension' in d ? d.extension : '';
  return (
    <div className={`destination${bad ? ' field-invalid' : ''}`}>
      <label htmlFor={id} className={props.hideLabel ? 'visually-hidden' : undefined}>
        {props.label}
      </label>
      <div className="field-row">
        <select
          id={id}
          value={d.type}
          aria-invalid={bad ? true : undefined}
          aria-describedby={bad ? `${id}-error` : undefined}
          onChange={(e) => {
            const type = e.target.value as AttendantDestination['type'];
            const first = whose || props.people[0]?.extension || '';
            props.onChange(
              type === 'extension' || type === 'voicemail' ? { type, extension: first } : { type },
            );
          }}
        >
          {(Object.keys(TYPE_LABELS) as AttendantDestination['type'][]).map((t) => (
            <option key={t} value={t}>
              {TYPE_LABELS[t]}
            </option>
          ))}
        </select>
        {d.type === 'extension' || d.type === 'voicemail' ? (
          <select
            aria-label={`${props.label}: whose ${d.type === 'voicemail' ? 'mailbox' : 'extension'}`}
            value={d.extension}
            onChange={(e) => props.onChange({ type: d.type, extension: e.target.value })}
          >
            {props.people.some((u) => u.extension === d.extension) ? null : (
              <option value={d.extension}>{d.extension || 'choose…'}</option>
            )}
            {props.people.map((u) => (
              <option key={u.extension} value={u.extension}>
                {u.extension} {u.name}
              </option>
            ))}
          </select>
        ) : null}
      </div>
      <FieldProblem problem={bad ? props.problem : undefined} field={props.field} id={`${id}-error`} />
    </div>
  );
}

/** Greeting, keys, dial-by-extension, and where callers go who choose nothing or something wrong. */
function MenuEditor(props: {
  title: string;
  intro: string;
  menu: AttendantMenu;
  prefix: string;
  onChange: (m: Partial<AttendantMenu>) => void;
  people: User[];
  promptNames: string[];
  hasOperator: boolean;
  problem: Problem | undefined;
}) {
  const { menu, prefix } = props;
  const headingId = useId();
  const keys = Object.keys(menu.digits).sort((a, b) => KEYS.indexOf(a) - KEYS.indexOf(b));
  const setDigits = (digits: Record<string, AttendantDestination>) => props.onChange({ digits });
  const greetings = props.promptNames.includes(menu.greeting)
    ? props.promptNames
    : [menu.greeting, ...props.promptNames];
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{props.title}</h2>
      <p className="help">{props.intro}</p>
      <SelectField
        label="Greeting"
        value={menu.greeting}
        onChange={(v) => props.onChange({ greeting: v })}
        problem={props.problem}
        field={`${prefix}greeting`}
        help="The recording callers hear first. Replace a recording with your own on the Prompts page."
      >
        {greetings.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </SelectField>
      <h3 className="subhead">Keys callers can press</h3>
      {keys.length === 0 ? (
        <Empty>
          No keys yet: callers can only type an extension
          {props.hasOperator ? ' or press 0 for the operator' : ''}.
        </Empty>
      ) : (
        <table className="table compact" aria-label={`${props.title}: keys`}>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Sends the caller to</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k}>
                <td>
                  <select
                    aria-label={`Key ${k}: change the key`}
                    value={k}
                    onChange={(e) => {
                      const next: Record<string, AttendantDestination> = {};
                      for (const key of keys) next[key === k ? e.target.value : key] = menu.digits[key]!;
                      setDigits(next);
                    }}
                  >
                    {KEYS.filter((x) => x === k || !(x in menu.digits)).map((x) => (
                      <option key={x} value={x}>
                        {x}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <DestinationPicker
                    label={`Key ${k}`}
                    hideLabel
                    value={menu.digits[k]!}
                    onChange={(d) => setDigits({ ...menu.digits, [k]: d })}
                    people={props.people}
                    field={`${prefix}digits.${k}`}
                    problem={props.problem}
                  />
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={`Remove key ${k}`}
                    onClick={() => {
                      const { [k]: _gone, ...rest } = menu.digits;
                      setDigits(rest);
                    }}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <FieldProblem
        problem={props.problem?.field === `${prefix}digits` ? props.problem : undefined}
        field={`${prefix}digits`}
      />
      <div className="button-row start">
        <button
          type="button"
          className="secondary small"
          disabled={keys.length >= KEYS.length}
          onClick={() => {
            const free = KEYS.find((x) => !(x in menu.digits));
            const first = props.people[0]?.extension;
            if (free)
              setDigits({
                ...menu.digits,
                [free]: first ? { type: 'extension', extension: first } : { type: 'hangup' },
              });
          }}
        >
          Add a key
        </button>
      </div>
      <label className="choice">
        <input
          type="checkbox"
          checked={menu.dialByExtension}
          onChange={(e) => props.onChange({ dialByExtension: e.target.checked })}
        />
        <span>
          <strong>Callers may type an extension</strong>
          <span className="help">
            Someone who knows the number dials it (ended by # or a short pause) and is put through.
          </span>
        </span>
      </label>
      <div className="two-fields">
        <DestinationPicker
          label="When the caller chooses nothing"
          value={menu.onTimeout}
          onChange={(d) => props.onChange({ onTimeout: d })}
          people={props.people}
          field={`${prefix}onTimeout`}
          problem={props.problem}
        />
        <DestinationPicker
          label="When the caller keeps choosing wrongly"
          value={menu.onInvalid}
          onChange={(d) => props.onChange({ onInvalid: d })}
          people={props.people}
          field={`${prefix}onInvalid`}
          problem={props.problem}
        />
      </div>
    </section>
  );
}

/** Opening hours per weekday (or always open), the time zone they are in, and holidays. */
function HoursEditor(props: {
  config: AttendantConfig;
  onChange: (patch: Partial<AttendantConfig>) => void;
  problem: Problem | undefined;
}) {
  const { config, problem } = props;
  const schedule = config.schedule;
  const zoneId = useId();
  const setDay = (day: Weekday, periods: OpeningPeriod[]) =>
    props.onChange({ schedule: { ...(schedule ?? {}), [day]: periods } });
  return (
    <section className="panel" aria-labelledby="aa-hours">
      <h2 id="aa-hours">Opening hours</h2>
      <label className="choice">
        <input
          type="checkbox"
          checked={schedule === null}
          onChange={(e) =>
            props.onChange({
              schedule: e.target.checked
                ? null
                : Object.fromEntries(
                    DAYS.map(({ day }) => [
                      day,
                      day === 'sat' || day === 'sun' ? [] : [{ from: '09:00', to: '17:00' }],
                    ]),
                  ),
            })
          }
        />
        <span>
          <strong>Always open</strong>
          <span className="help">
            Untick to set opening hours: outside them callers hear the closed greeting.
          </span>
        </span>
      </label>
      {schedule !== null ? (
        <table className="table compact hours" aria-label="Opening hours per day">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Open</th>
              <th scope="col">Hours</th>
            </tr>
          </thead>
          <tbody>
            {DAYS.map(({ day, label }) => {
              const periods = schedule[day] ?? [];
              return (
                <tr key={day}>
                  <th scope="row">{label}</th>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Open on ${label}`}
                      checked={periods.length > 0}
                      onChange={(e) => setDay(day, e.target.checked ? [{ from: '09:00', to: '17:00' }] : [])}
                    />
                  </td>
                  <td>
                    {periods.length === 0 ? <span className="muted">closed</span> : null}
                    {periods.map((p, i) => {
                      const field = `schedule.${day}.${i}`;
                      const bad = problem !== undefined && problem.field.startsWith(field);
                      const update = (q: Partial<OpeningPeriod>) =>
                        setDay(
                          day,
                          periods.map((x, j) => (j === i ? { ...x, ...q } : x)),
                        );
                      return (
                        <div key={i} className={`period${bad ? ' field-invalid' : ''}`}>
                          <input
                            type="time"
                            aria-label={`${label}, period ${i + 1}: opens at`}
                            value={p.from}
                            onChange={(e) => update({ from: e.target.value })}
                            aria-invalid={problem?.field === `${field}.from` ? true : undefined}
                          />
                          <span aria-hidden="true">to</span>
                          <input
                            type="time"
                            aria-label={`${label}, period ${i + 1}: closes at`}
                            value={p.to === '24:00' ? '23:59' : p.to}
                            onChange={(e) => update({ to: e.target.value })}
                            aria-invalid={problem?.field === `${field}.to` ? true : undefined}
                          />
                          {periods.length > 1 ? (
                            <button
                              type="button"
                              className="secondary small"
                              aria-label={`Remove ${label} period ${i + 1}`}
                              onClick={() =>
                                setDay(
                                  day,
                                  periods.filter((_x, j) => j !== i),
                                )
                              }
                            >
                              Remove
                            </button>
                          ) : null}
                          <FieldProblem problem={bad ? problem : undefined} field={field} />
                        </div>
                      );
                    })}
                    {periods.length > 0 && periods.length < 8 ? (
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => setDay(day, [...periods, { from: '13:00', to: '17:00' }])}
                      >
                        add hours<span className="visually-hidden"> on {label}</span>
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {schedule !== null ? (
        <p className="help">
          For a lunch break, give a day two periods with &ldquo;add hours&rdquo;: 09:00 to 12:00 and 13:00 to
          17:00.
        </p>
      ) : null}
      <div className={`field${problem?.field === 'timeZone' ? ' field-invalid' : ''}`}>
        <label htmlFor={zoneId}>Time zone</label>
        <input
          id={zoneId}
          type="text"
          value={config.timeZone ?? ''}
          placeholder={config.effectiveTimeZone ?? ''}
          onChange={(e) => props.onChange({ timeZone: e.target.value.trim() === '' ? null : e.target.value })}
          aria-describedby={`${zoneId}-help`}
        />
        <p className="help" id={`${zoneId}-help`}>
          The hours are read in this zone, such as Europe/Berlin. Empty: the PBX&rsquo;s own (
          {config.effectiveTimeZone ?? 'the computer’s'}).
        </p>
        <FieldProblem problem={problem} field="timeZone" />
      </div>
      <HolidaysEditor
        holidays={config.holidays}
        onChange={(h) => props.onChange({ holidays: h })}
        problem={problem}
      />
    </section>
  );
}

function HolidaysEditor(props: {
  holidays: string[];
  onChange: (h: string[]) => void;
  problem: Problem | undefined;
}) {
  const { holidays, problem } = props;
  return (
    <fieldset className="choices holidays">
      <legend>Holidays</legend>
      <p className="help">Days the office is closed all day: callers hear the closed greeting.</p>
      {holidays.map((h, i) => {
        const bad = problem?.field === `holidays.${i}`;
        return (
          <div key={i} className={`period${bad ? ' field-invalid' : ''}`}>
            <input
              type="date"
              aria-label={`Holiday ${i + 1}`}
              value={h}
              aria-invalid={bad ? true : undefined}
              onChange={(e) => props.onChange(holidays.map((x, j) => (j === i ? e.target.value : x)))}
            />
            <button
              type="button"
              className="secondary small"
              aria-label={`Remove holiday ${i + 1}`}
              onClick={() => props.onChange(holidays.filter((_x, j) => j !== i))}
            >
              Remove
            </button>
            <FieldProblem problem={bad ? problem : undefined} field={`holidays.${i}`} />
          </div>
        );
      })}
      <FieldProblem problem={problem?.field === 'holidays' ? problem : undefined} field="holidays" />
      <button type="button" className="secondary small" onClick={() => props.onChange([...holidays, ''])}>
        Add a holiday
      </button>
    </fieldset>
  );
}
