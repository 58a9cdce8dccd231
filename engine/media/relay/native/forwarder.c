/* The forwarding thread, legs and tables of the native relay (forwarder.h explains the design). */
#include "forwarder.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---------- legs (relay-leg.ts) ---------- */

void leg_refresh(leg_t *l) {
  l->dest[0].sin_port = 0;
  l->dest[1].sin_port = 0;
  if (l->fd[0] < 0 || l->fd[1] < 0 || l->hold) return;
  for (int w = 0; w < 2; w++) {
    if (l->latch[w].port != 0) {
      l->dest[w].sin_addr.s_addr = l->latch[w].addr;
      l->dest[w].sin_port = htons(l->latch[w].port);
    } else if (l->has_endpoint) {
      l->dest[w].sin_addr.s_addr = w == WHAT_RTP ? l->ep_addr : l->ep_rtcp_addr;
      l->dest[w].sin_port = htons(w == WHAT_RTP ? l->ep_rtp_port : l->ep_rtcp_port);
    }
  }
}

static void push_event(relay_t *r, int type, leg_t *l, int what, uint32_t addr, uint16_t port) {
  if (r->event_count == EVENT_RING) {
    r->events_lost++;
    return;
  }
  event_t *e = &r->events[(r->event_head + r->event_count++) % EVENT_RING];
  e->type = type;
  e->call = l->stream->call->handle;
  e->stream = l->stream->index;
  e->side = l->side;
  e->what = what;
  e->leg_port = l->port;
  e->addr = addr;
  e->port = port;
}

static int latch_check(latch_t *la, uint32_t addr, uint16_t port, double now, int strict) {
  if (port == la->port && addr == la->addr) {
    la->last_ms = now;
    return LATCH_SAME;
  }
  if (la->port == 0 || (!strict && now - la->last_ms > RELATCH_AFTER_MS)) {
    la->addr = addr;
    la->port = port;
    la->last_ms = now;
    return LATCH_LATCHED;
  }
  return strict ? LATCH_DROPPED : LATCH_STRAY;
}

/* Handles `n` datagrams received on leg `l`'s socket `what`; forwards them out of the other leg's socket. */
static void forward_batch(relay_t *r, leg_t *l, int what, int n, double now) {
  leg_t *to = l->other;
  stream_t *st = l->stream;
  int out = 0;
  for (int i = 0; i < n; i++) {
    const struct sockaddr_in *src = &r->from[i];
    uint16_t sport = ntohs(src->sin_port);
    int res = latch_check(&l->latch[what], src->sin_addr.s_addr, sport, now, r->strict);
    if (res == LATCH_DROPPED) {
      if (l->dropped++ == 0) push_event(r, EVENT_FIRST_DROP, l, what, src->sin_addr.s_addr, sport);
      continue;
    }
    if (res == LATCH_LATCHED) {
      leg_refresh(l);
      if (r->debug) push_event(r, EVENT_LATCHED, l, what, src->sin_addr.s_addr, sport);
    }
    st->call->last_packet_ms = now;
    unsigned len = r->in[i].msg_len;
    const unsigned char *p = r->in_iov[i].iov_base;
    if (what == WHAT_RTP) {
      l->packets++;
      l->bytes += len;
      if (st->rtp && len >= 12 && (p[0] & 0xc0) == 0x80) {
        int pt = p[1] & 0x7f;
        if (pt < 64 || pt > 95)
          stats_update(&l->stats, ((uint32_t)p[2] << 8) | p[3],
                       ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) | ((uint32_t)p[6] << 8) | p[7],
                       ((uint32_t)p[8] << 24) | ((uint32_t)p[9] << 16) | ((uint32_t)p[10] << 8) | p[11],
                       st->clock_rates[pt], now);
      }
    } else
      l->rtcp_packets++;
    if (to->dest[what].sin_port == 0) continue;
    r->out_iov[out].iov_base = r->in_iov[i].iov_base;
    r->out_iov[out].iov_len = len;
    out++;
  }
  if (out == 0) return;
  int fd = to->fd[what];
  if (fd < 0) return;
  for (int i = 0; i < out; i++) {
    r->out[i].msg_hdr.msg_name = &to->dest[what];
    r->out[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
  }
  int sent = 0;
  while (sent < out) {
    int k = sendmmsg(fd, r->out + sent, (unsigned)(out - sent), MSG_DONTWAIT);
    if (k <= 0) {
      if (k < 0 && errno == EINTR) continue;
      /* A full send buffer or an ICMP error from an earlier packet (ECONNREFUSED): skip one, as dgram would. */
      sent++;
      continue;
    }
    sent += k;
  }
  r->forwarded += out;
}

/* Reads what is waiting on one socket. Arrival time is taken per read (jitter), not per epoll batch. */
static void handle_ready(relay_t *r, leg_t *l, int what) {
  for (int round = 0; round < 8; round++) {
    int fd = l->fd[what];
    if (fd < 0) return;
    for (int i = 0; i < BATCH; i++) {
      r->in[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
      r->in[i].msg_hdr.msg_flags = 0;
    }
    int n = recvmmsg(fd, r->in, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) {
      if (n < 0 && errno == ECONNREFUSED) continue; /* an ICMP error queued on the socket: read on */
      return;
    }
    forward_batch(r, l, what, n, now_ms());
    if (n < BATCH) return;
  }
}

static double thread_cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Called by the forwarding thread with the lock held: ends each window of rt_guard_ms (see forwarder.h). */
static void rt_guard(relay_t *r) {
  if (r->rt_state != RT_ON && r->rt_state != RT_THROTTLED) return;
  double now = now_ms();
  double span = now - r->rt_window_start;
  if (span < r->rt_guard_ms) return;
  double cpu = thread_cpu_ms();
  double busy = (cpu - r->rt_window_cpu) / span;
  r->rt_window_start = now;
  r->rt_window_cpu = cpu;
  if (r->rt_state == RT_ON && busy > r->rt_guard_busy) {
    struct sched_param sp = {.sched_priority = 0};
    if (pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp) == 0) {
      r->rt_state = RT_THROTTLED;
      r->rt_demotions++;
    }
  } else if (r->rt_state == RT_THROTTLED && busy < r->rt_guard_busy / 2) {
    struct sched_param sp = {.sched_priority = r->rt_priority};
    if (pthread_setschedparam(pthread_self(), SCHED_RR, &sp) == 0) r->rt_state = RT_ON;
  }
}

void free_graveyard(relay_t *r) {
  while (r->graveyard) {
    stream_t *s = r->graveyard;
    r->graveyard = s->next;
    free(s);
  }
}

void *forward_loop(void *arg) {
  relay_t *r = arg;
  struct epoll_event evs[MAX_EVENTS];
  pthread_mutex_lock(&r->lock);
  r->tid = (pid_t)syscall(SYS_gettid);
  r->rt_window_start = now_ms();
  r->rt_window_cpu = thread_cpu_ms();
  pthread_mutex_unlock(&r->lock);
  int wait_ms = -1;
  for (;;) {
    int n = epoll_wait(r->epfd, evs, MAX_EVENTS, wait_ms);
    if (n < 0 && errno != EINTR) break;
    /* The lock is taken per socket, not per batch, so that JavaScript never waits behind a whole batch. */
    for (int i = 0; i < n; i++) {
      uint64_t tag = evs[i].data.u64;
      if (tag == 0) {
        uint64_t v;
        ssize_t ignored = read(r->wakefd, &v, sizeof v);
        (void)ignored;
        continue;
      }
      leg_t *l = (leg_t *)(uintptr_t)(tag & ~(uint64_t)1);
      pthread_mutex_lock(&r->lock);
      if (!r->stopping) handle_ready(r, l, (int)(tag & 1));
      pthread_mutex_unlock(&r->lock);
    }
    pthread_mutex_lock(&r->lock);
    int stopping = r->stopping;
    /* Streams removed while this batch was taken from epoll are freed only now: no event of it is left. */
    free_graveyard(r);
    rt_guard(r);
    /* Dropped by the guard: wake when a window ends even without packets, to rise again once idle. */
    wait_ms = r->rt_state == RT_THROTTLED ? (int)r->rt_guard_ms + 1 : -1;
    pthread_mutex_unlock(&r->lock);
    if (stopping) break;
  }
  return NULL;
}

/* ---------- tables ---------- */

call_t *find_call(relay_t *r, int handle) {
  for (call_t *c = r->calls; c; c = c->next)
    if (c->handle == handle) return c;
  return NULL;
}

stream_t *find_stream(call_t *c, int index) {
  for (stream_t *s = c ? c->streams : NULL; s; s = s->next)
    if (s->index == index) return s;
  return NULL;
}

static void leg_close(relay_t *r, leg_t *l) {
  for (int w = 0; w < 2; w++)
    if (l->fd[w] >= 0) {
      close(l->fd[w]); /* also leaves the epoll set */
      l->fd[w] = -1;
      r->sockets--;
    }
  l->port = 0;
  leg_refresh(l);
}

static int bind_one(relay_t *r, int port, leg_t *l, int what) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = r->bind_addr;
  a.sin_port = htons((uint16_t)port);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    int e = errno;
    close(fd);
    return e;
  }
  struct epoll_event ev = {0};
  ev.events = EPOLLIN;
  ev.data.u64 = (uint64_t)(uintptr_t)l | (uint64_t)what;
  if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    int e = errno;
    close(fd);
    return e;
  }
  l->fd[what] = fd;
  r->sockets++;
  return 0;
}

/* Binds RTP on `port` and RTCP on port+1 for the leg (closing what it had); 0 or an errno. */
int leg_bind(relay_t *r, leg_t *l, int port) {
  if (l->port == port) return 0;
  leg_close(r, l);
  if (port == 0) return 0;
  int e = bind_one(r, port, l, WHAT_RTP);
  if (e) return e;
  e = bind_one(r, port + 1, l, WHAT_RTCP);
  if (e) {
    close(l->fd[WHAT_RTP]);
    l->fd[WHAT_RTP] = -1;
    r->sockets--;
    return e;
  }
  l->port = port;
  leg_refresh(l);
  leg_refresh(l->other);
  return 0;
}

void stream_close(relay_t *r, stream_t *s) {
  leg_close(r, &s->legs[0]);
  leg_close(r, &s->legs[1]);
  s->next = r->graveyard;
  r->graveyard = s;
  /* The forwarding thread frees it after its next batch; wake it in case it is idle. */
  uint64_t one = 1;
  ssize_t ignored = write(r->wakefd, &one, sizeof one);
  (void)ignored;
}

void call_remove(relay_t *r, call_t *c) {
  for (call_t **p = &r->calls; *p; p = &(*p)->next)
    if (*p == c) {
      *p = c->next;
      break;
    }
  while (c->streams) {
    stream_t *s = c->streams;
    c->streams = s->next;
    stream_close(r, s);
  }
  r->call_count--;
  free(c);
}
