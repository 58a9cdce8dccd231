/**
 * Transaction states of RFC 3261 §17 with the `Accepted` state that RFC 6026 adds to both INVITE machines.
 */
export enum TransactionState {
  Calling = 'Calling',
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Accepted = 'Accepted',
  Completed = 'Completed',
  Confirmed = 'Confirmed',
  Terminated = 'Terminated',
}
