/*
 * RTP receiver statistics of one flow, updated per packet without allocating: loss from sequence numbers
 * (RFC 3550 A.1 and A.3) and interarrival jitter (RFC 3550 A.8) in milliseconds. The same estimator as
 * rtp-receive-stats.ts, which explains its two departures from the appendix (no probation; jitter in ms).
 */
#ifndef OFFICEPBX_RTP_STATS_H
#define OFFICEPBX_RTP_STATS_H
#include <stdint.h>
#include <string.h>

#define RTP_SEQ_MOD (1 << 16)
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100

/* RFC 3550 A.1/A.3/A.8 receiver statistics, as rtp-receive-stats.ts. */
typedef struct {
  double received, lost_before;
  int64_t ssrc; /* -1 = none yet */
  uint32_t base_seq, max_seq, bad_seq;
  double cycles, received_this_source;
  double last_arrival_ms;
  uint32_t last_timestamp;
  int32_t last_clock_rate;
  double jitter_ms;
} rtp_stats_t;

static inline void stats_init(rtp_stats_t *s) {
  memset(s, 0, sizeof *s);
  s->ssrc = -1;
}

static inline double stats_expected(const rtp_stats_t *s) {
  return s->ssrc == -1 ? 0 : s->cycles + (double)s->max_seq - (double)s->base_seq + 1;
}

static inline double stats_lost_this_source(const rtp_stats_t *s) {
  double lost = stats_expected(s) - s->received_this_source;
  return lost > 0 ? lost : 0;
}

static inline double stats_lost(const rtp_stats_t *s) { return s->lost_before + stats_lost_this_source(s); }

static inline void stats_init_seq(rtp_stats_t *s, uint32_t seq) {
  s->base_seq = seq;
  s->max_seq = seq;
  s->bad_seq = RTP_SEQ_MOD + 1;
  s->cycles = 0;
}

static inline int stats_update_seq(rtp_stats_t *s, uint32_t seq) {
  uint32_t udelta = (seq - s->max_seq) & 0xffff;
  if (udelta < MAX_DROPOUT) {
    if (seq < s->max_seq) s->cycles += RTP_SEQ_MOD;
    s->max_seq = seq;
  } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
    if (seq == s->bad_seq) {
      s->lost_before += stats_lost_this_source(s);
      stats_init_seq(s, seq);
      s->received_this_source = 0;
    } else {
      s->bad_seq = (seq + 1) & 0xffff;
      return 0;
    }
  }
  return 1;
}

static inline void stats_update(rtp_stats_t *s, uint32_t seq, uint32_t ts, uint32_t ssrc, int32_t clock_rate,
                         double arrival_ms) {
  if ((int64_t)ssrc != s->ssrc) {
    s->lost_before += stats_lost_this_source(s);
    s->ssrc = ssrc;
    stats_init_seq(s, seq);
    s->received_this_source = 1;
    s->received++;
    s->last_clock_rate = 0;
  } else if (stats_update_seq(s, seq)) {
    s->received_this_source++;
    s->received++;
  } else
    return;
  if (clock_rate <= 0) return;
  if (clock_rate == s->last_clock_rate) {
    int32_t d_ts = (int32_t)(ts - s->last_timestamp);
    double d = arrival_ms - s->last_arrival_ms - ((double)d_ts * 1000.0) / clock_rate;
    if (d < 0) d = -d;
    s->jitter_ms += (d - s->jitter_ms) / 16;
  }
  s->last_clock_rate = clock_rate;
  s->last_timestamp = ts;
  s->last_arrival_ms = arrival_ms;
}

#endif
