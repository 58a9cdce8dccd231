/*
 * OfficePBX media relay, native forwarding (issue 3): the types and the forwarding thread (forwarder.c); the
 * N-API functions JavaScript calls are in relay.c.
 *
 * One instance = one forwarding thread with its own epoll set, and the sockets, latches and statistics of the
 * calls given to it. JavaScript (native-worker-handle.ts)
 * keeps the control exactly as with the worker-thread relay: it creates calls, streams and legs by number,
 * binds the ports the main thread's pool hands out, applies each phone's SDP, reads statistics and polls for
 * media timeouts and log events. Packets never enter JavaScript.
 *
 * Per ready socket the thread reads up to BATCH datagrams with one recvmmsg() and sends the ones it forwards
 * with one sendmmsg() from the other leg's socket (they all go to the same destination). Behaviour follows the
 * JavaScript relay (relay-leg.ts, source-latch.ts, rtp-receive-stats.ts) line for line: keep the two in step.
 *
 * Scheduling: the thread asks for real-time priority (SCHED_RR, relay.c create) when told to. Audio is the one
 * thing on the PC that cannot wait: at normal priority a forwarding thread that is runnable still waits
 * behind whatever else runs (the console, a browser, a backup), and packets queue up behind it; measured at
 * 1,000 calls on two cores (bench/relay-load.ts), p99 latency was 3-7 ms at normal priority, nice -20
 * included, and 0.5-1.2 ms at real-time priority. A real-time thread that never sleeps would starve the
 * rest of its core, SIP signalling included, so a guard (rt_guard) drops the thread to normal scheduling
 * when it was busy more than rt_guard_busy of a window (a flood, not calls) and raises it again once it
 * is below half that; while dropped, the thread also wakes at the end of each window, so that it rises
 * again when the flood stops even if no packet follows.
 *
 * Locking: one mutex per instance. The thread waits in epoll_wait() without it and holds it while it handles
 * one ready socket; every call from JavaScript takes it, except the periodic poll, which tries and comes back
 * later rather than wait. A stream removed by JavaScript is unlinked and its sockets closed at once, but freed
 * only by the thread after its current batch of events, so an event already taken from epoll never points at
 * freed memory.
 */
#ifndef OFFICEPBX_FORWARDER_H
#define OFFICEPBX_FORWARDER_H
#define _GNU_SOURCE
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "rtp-stats.h"

#define BATCH 32
#define BUF_SIZE 65536
#define MAX_EVENTS 256
#define EVENT_RING 256
#define RELATCH_AFTER_MS 2000.0

enum { LATCH_SAME, LATCH_LATCHED, LATCH_STRAY, LATCH_DROPPED };
enum { WHAT_RTP = 0, WHAT_RTCP = 1 };
enum { EVENT_LATCHED = 1, EVENT_FIRST_DROP = 2 };
/* rt_state: not asked for, running real-time, refused by the system (rt_error), dropped by the guard. */
enum { RT_OFF = 0, RT_ON = 1, RT_DENIED = 2, RT_THROTTLED = 3 };

typedef struct {
  uint32_t addr; /* network order */
  uint16_t port; /* host order; 0 = nothing latched */
  double last_ms;
} latch_t;


struct stream;

typedef struct leg {
  struct stream *stream;
  struct leg *other;
  int side;
  int port;
  int fd[2]; /* rtp, rtcp; -1 = none */
  int has_endpoint;
  uint32_t ep_addr, ep_rtcp_addr;
  uint16_t ep_rtp_port, ep_rtcp_port;
  int hold;
  latch_t latch[2];
  struct sockaddr_in dest[2]; /* sin_port 0 = send nothing */
  rtp_stats_t stats;
  double packets, bytes, rtcp_packets, dropped;
} leg_t;

struct call;

typedef struct stream {
  struct call *call;
  struct stream *next;
  int index;
  int rtp;
  int32_t clock_rates[128];
  leg_t legs[2];
} stream_t;

typedef struct call {
  struct call *next;
  int handle;
  int armed;
  double last_packet_ms, last_sync_ms;
  int timeout_reported;
  stream_t *streams;
} call_t;

typedef struct {
  int type, call, stream, side, what, leg_port;
  uint32_t addr;
  uint16_t port;
} event_t;

typedef struct {
  pthread_mutex_t lock;
  pthread_t thread;
  int thread_started;
  pid_t tid;
  int epfd, wakefd;
  int stopping, closed;
  uint32_t bind_addr;
  int strict;
  int debug;
  call_t *calls;
  stream_t *graveyard;
  int sockets, call_count;
  event_t events[EVENT_RING];
  unsigned event_head, event_count, events_lost;
  /* forwarding thread's buffers */
  struct mmsghdr in[BATCH], out[BATCH];
  struct iovec in_iov[BATCH], out_iov[BATCH];
  struct sockaddr_in from[BATCH];
  unsigned char *bufs;
  double forwarded;
  /* real-time scheduling (see the top of this file); all under the lock */
  int rt_priority; /* SCHED_RR priority asked for; 0 = normal scheduling */
  int rt_state, rt_error;
  double rt_guard_busy, rt_guard_ms; /* drop to normal above this busy fraction over windows this long */
  double rt_window_start, rt_window_cpu;
  unsigned rt_demotions;
} relay_t;

/* forwarder.c */
double now_ms(void);
void leg_refresh(leg_t *l);
void free_graveyard(relay_t *r);
void *forward_loop(void *arg);
call_t *find_call(relay_t *r, int handle);
stream_t *find_stream(call_t *c, int index);
/* Binds RTP on `port` and RTCP on port+1 for the leg (closing what it had); 0 or an errno. */
int leg_bind(relay_t *r, leg_t *l, int port);
/* Closes the stream's sockets and hands it to the forwarding thread to free. */
void stream_close(relay_t *r, stream_t *s);
/* Unlinks the call, closes its streams and frees it. */
void call_remove(relay_t *r, call_t *c);

#endif
