/**
 * Static RTP payload types (RFC 3551 §6, tables 4 and 5): an SDP may list them without `a=rtpmap`.
 * G722 is the RFC's own exception: its RTP clock is 8000 Hz although it samples at 16 kHz (§4.5.2).
 */
export const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, { codec: string; clockRate: number }> = new Map([
  [0, { codec: 'PCMU', clockRate: 8000 }],
  [3, { codec: 'GSM', clockRate: 8000 }],
  [4, { codec: 'G723', clockRate: 8000 }],
  [5, { codec: 'DVI4', clockRate: 8000 }],
  [6, { codec: 'DVI4', clockRate: 16000 }],
  [7, { codec: 'LPC', clockRate: 8000 }],
  [8, { codec: 'PCMA', clockRate: 8000 }],
  [9, { codec: 'G722', clockRate: 8000 }],
  [10, { codec: 'L16', clockRate: 44100 }],
  [11, { codec: 'L16', clockRate: 44100 }],
  [12, { codec: 'QCELP', clockRate: 8000 }],
  [13, { codec: 'CN', clockRate: 8000 }],
  [14, { codec: 'MPA', clockRate: 90000 }],
  [15, { codec: 'G728', clockRate: 8000 }],
  [16, { codec: 'DVI4', clockRate: 11025 }],
  [17, { codec: 'DVI4', clockRate: 22050 }],
  [18, { codec: 'G729', clockRate: 8000 }],
  [25, { codec: 'CelB', clockRate: 90000 }],
  [26, { codec: 'JPEG', clockRate: 90000 }],
  [28, { codec: 'nv', clockRate: 90000 }],
  [31, { codec: 'H261', clockRate: 90000 }],
  [32, { codec: 'MPV', clockRate: 90000 }],
  [33, { codec: 'MP2T', clockRate: 90000 }],
  [34, { codec: 'H263', clockRate: 90000 }],
]);
