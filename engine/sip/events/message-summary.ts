/** The `message-summary` event package (RFC 3842): a mailbox's counts as a phone's lamp shows them. */
export const MESSAGE_SUMMARY = 'message-summary';
export const MESSAGE_SUMMARY_TYPE = 'application/simple-message-summary';

/** Voice messages in one mailbox: new = not heard yet, old = heard and kept. */
export interface MailboxCounts {
  newMessages: number;
  oldMessages: number;
}

export function sameCounts(a: MailboxCounts, b: MailboxCounts): boolean {
  return a.newMessages === b.newMessages && a.oldMessages === b.oldMessages;
}

/**
 * The `application/simple-message-summary` body (RFC 3842 §5.2): the lamp (`Messages-Waiting`, yes while
 * anything is unheard), the account to call for the messages (what the phone's voicemail key dials), and
 * `Voice-Message: new/old (urgent-new/urgent-old)`; we have no urgent messages.
 */
export function formatMessageSummary(counts: MailboxCounts, account: string): string {
  return (
    `Messages-Waiting: ${counts.newMessages > 0 ? 'yes' : 'no'}\r\n` +
    `Message-Account: ${account}\r\n` +
    `Voice-Message: ${counts.newMessages}/${counts.oldMessages} (0/0)\r\n`
  );
}
