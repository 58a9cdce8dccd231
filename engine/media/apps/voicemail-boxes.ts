import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../log/index.js';
import type {
  NewVoicemail,
  VoicemailMessage,
  VoicemailRepository,
} from '../../store/voicemail-repository.js';
import { encodeWav, parseWav } from '../audio/wav-file.js';

/**
 * The mailboxes: a SQLite row per message (VoicemailRepository) and its WAV under
 * `<root>/<extension>/<id>.wav`; a custom greeting is `<root>/<extension>/greeting.wav`.
 *
 * A row is written when recording starts (marked `recording`), so a crash mid-message loses at most the
 * last second of audio (the recorder keeps the WAV valid on disk) and never the message: `recover()` at
 * start-up finishes such rows from their file and drops rows whose file is gone.
 */
export class VoicemailBoxes {
  constructor(
    private readonly repo: VoicemailRepository,
    readonly root: string,
    private readonly log: Logger,
  ) {}

  dir(mailbox: string): string {
    return path.join(this.root, safeName(mailbox));
  }

  fileOf(m: VoicemailMessage): string {
    return path.join(this.dir(m.mailbox), m.file);
  }

  greetingFile(mailbox: string): string {
    return path.join(this.dir(mailbox), 'greeting.wav');
  }

  /** The mailbox's custom greeting, if one has been put there. */
  customGreeting(mailbox: string): string | undefined {
    const f = this.greetingFile(mailbox);
    return fs.existsSync(f) ? f : undefined;
  }

  /** A row for a message about to be recorded, and the folder for its file. */
  start(m: NewVoicemail): { message: VoicemailMessage; file: string } {
    fs.mkdirSync(this.dir(m.mailbox), { recursive: true });
    const message = this.repo.insert(m);
    return { message, file: this.fileOf(message) };
  }

  finish(id: number, seconds: number): void {
    this.repo.finish(id, seconds);
  }

  /**
   * Ends a message whose recording was interrupted: the WAV's header is rewritten to the audio on disk and
   * the length taken from it. An unreadable file drops the message; false then.
   */
  finishFromFile(id: number): boolean {
    const m = this.repo.get(id);
    if (!m) return false;
    const file = this.fileOf(m);
    if (!fs.existsSync(file)) {
      this.repo.delete(m.id); // nothing was recorded
      return false;
    }
    try {
      const buf = fs.readFileSync(file);
      // The recorder's 44-byte header counts the audio up to its last flush: what follows is audio too.
      if (buf.length >= 44 && buf.toString('ascii', 36, 40) === 'data') {
        const data = (buf.length - 44) & ~1;
        buf.writeUInt32LE(data, 40);
        buf.writeUInt32LE(36 + data, 4);
      }
      const wav = parseWav(buf);
      fs.writeFileSync(file, encodeWav(wav.samples, wav.sampleRate));
      this.repo.finish(m.id, wav.samples.length / wav.sampleRate);
      return true;
    } catch (err) {
      this.log.warn('an interrupted voicemail recording is unreadable: dropped', { id: m.id, file, err });
      this.repo.delete(m.id);
      fs.rmSync(file, { force: true });
      return false;
    }
  }

  /** Finished messages of a mailbox, newest first. */
  list(mailbox: string): VoicemailMessage[] {
    return this.repo.list(mailbox).filter((m) => !m.recording);
  }

  /**
   * A mailbox's finished messages in the order a listener hears them by phone: new (unheard) ones oldest
   * first, then saved (heard) ones oldest first, as most voicemail systems do.
   */
  playOrder(mailbox: string): { unheard: VoicemailMessage[]; heard: VoicemailMessage[] } {
    const oldestFirst = this.list(mailbox).reverse();
    return { unheard: oldestFirst.filter((m) => !m.heard), heard: oldestFirst.filter((m) => m.heard) };
  }

  get(mailbox: string, id: number): VoicemailMessage | undefined {
    const m = this.repo.get(id);
    return m && m.mailbox === mailbox && !m.recording ? m : undefined;
  }

  setHeard(mailbox: string, id: number, heard: boolean): VoicemailMessage | undefined {
    if (!this.get(mailbox, id)) return undefined;
    this.repo.setHeard(id, heard);
    return this.repo.get(id);
  }

  /** Removes the row and the file (also of a message still recording: a discarded one). */
  delete(mailbox: string, id: number): boolean {
    const m = this.repo.get(id);
    if (!m || m.mailbox !== mailbox) return false;
    this.repo.delete(id);
    fs.rmSync(this.fileOf(m), { force: true });
    return true;
  }

  /**
   * Makes `file` (a WAV recorded by phone, in the mailbox's folder) the mailbox's greeting. A rename, so a
   * caller never hears half a greeting, and the old one stays until the new one is complete.
   */
  setGreetingFile(mailbox: string, file: string): void {
    fs.mkdirSync(this.dir(mailbox), { recursive: true });
    fs.renameSync(file, this.greetingFile(mailbox));
    this.log.info('greeting set', { mailbox });
  }

  /** Stores a greeting given as audio (an upload, already in the format calls play), replacing any. */
  setGreeting(mailbox: string, samples: Int16Array, sampleRate: number): void {
    fs.mkdirSync(this.dir(mailbox), { recursive: true });
    const tmp = this.scratchFile(mailbox, 'greeting-upload');
    fs.writeFileSync(tmp, encodeWav(samples, sampleRate));
    this.setGreetingFile(mailbox, tmp);
  }

  /** Back to the standard greeting; false when there was no custom one. */
  deleteGreeting(mailbox: string): boolean {
    const f = this.greetingFile(mailbox);
    if (!fs.existsSync(f)) return false;
    fs.rmSync(f, { force: true });
    this.log.info('greeting deleted', { mailbox });
    return true;
  }

  /**
   * A file name in the mailbox's folder for audio not yet accepted (a greeting being recorded). Its name
   * is never `<id>.wav` nor `greeting.wav`, so nothing plays it until setGreetingFile() moves it.
   */
  scratchFile(mailbox: string, purpose: string): string {
    fs.mkdirSync(this.dir(mailbox), { recursive: true });
    const tag = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
    return path.join(this.dir(mailbox), `${safeName(purpose)}-${tag}.tmp.wav`);
  }

  /**
   * The user was deleted: every message (rows and files) and the greeting go. A new user given the same
   * extension later starts with an empty box, not the previous person's messages.
   */
  deleteMailbox(mailbox: string): number {
    const messages = this.repo.list(mailbox);
    for (const m of messages) this.repo.delete(m.id);
    fs.rmSync(this.dir(mailbox), { recursive: true, force: true });
    return messages.length;
  }

  /**
   * Start-up: rows whose file is missing are dropped; a message a crash interrupted keeps what was
   * recorded (its header rewritten to the audio on disk, its length taken from the file). Scratch files
   * (a greeting recorded by phone and never accepted before a crash) are removed.
   */
  recover(): { dropped: number; recovered: number } {
    let dropped = 0;
    let recovered = 0;
    for (const box of fs.existsSync(this.root) ? fs.readdirSync(this.root) : []) {
      const dir = path.join(this.root, box);
      if (!fs.statSync(dir).isDirectory()) continue;
      for (const f of fs.readdirSync(dir))
        if (f.endsWith('.tmp.wav')) fs.rmSync(path.join(dir, f), { force: true });
    }
    for (const m of this.repo.all()) {
      const file = this.fileOf(m);
      if (!fs.existsSync(file)) {
        this.repo.delete(m.id);
        dropped++;
        continue;
      }
      if (!m.recording) continue;
      if (this.finishFromFile(m.id)) recovered++;
      else dropped++;
    }
    if (dropped || recovered) this.log.info('voicemail checked at start-up', { dropped, recovered });
    return { dropped, recovered };
  }
}

/** An extension as a folder name: digits and letters only (extensions are validated; this is a guard). */
function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}
