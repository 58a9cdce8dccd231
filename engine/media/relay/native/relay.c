/*
 * The native relay's N-API functions (the interface native-relay-addon.ts declares). Only node_api.h
 * (ABI-stable N-API): the same binary loads in Node and in Electron. forwarder.h explains the design.
 */
#include "forwarder.h"

#include <arpa/inet.h>
#include <errno.h>
#include <node_api.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* ---------- N-API glue ---------- */

#define CHECK(call)                                                                                            \
  do {                                                                                                         \
    if ((call) != napi_ok) {                                                                                   \
      napi_throw_error(env, NULL, "officepbx_relay: " #call " failed");                                       \
      return NULL;                                                                                             \
    }                                                                                                          \
  } while (0)

static relay_t *get_relay(napi_env env, napi_value v) {
  relay_t *r = NULL;
  if (napi_get_value_external(env, v, (void **)&r) != napi_ok || r == NULL) {
    napi_throw_type_error(env, NULL, "officepbx_relay: not a relay");
    return NULL;
  }
  if (r->closed) {
    napi_throw_error(env, NULL, "officepbx_relay: relay is closed");
    return NULL;
  }
  return r;
}

static int arg_int(napi_env env, napi_value v) {
  int32_t x = 0;
  napi_get_value_int32(env, v, &x);
  return x;
}

static double arg_double(napi_env env, napi_value v) {
  double x = 0;
  napi_get_value_double(env, v, &x);
  return x;
}

static int arg_bool(napi_env env, napi_value v) {
  bool b = false;
  napi_get_value_bool(env, v, &b);
  return b;
}

static uint32_t arg_ipv4(napi_env env, napi_value v) {
  char buf[64] = {0};
  size_t len = 0;
  struct in_addr a = {0};
  if (napi_get_value_string_utf8(env, v, buf, sizeof buf, &len) == napi_ok) inet_pton(AF_INET, buf, &a);
  return a.s_addr;
}

static void stop_relay(relay_t *r) {
  if (r->closed) return;
  pthread_mutex_lock(&r->lock);
  r->stopping = 1;
  pthread_mutex_unlock(&r->lock);
  uint64_t one = 1;
  ssize_t ignored = write(r->wakefd, &one, sizeof one);
  (void)ignored;
  if (r->thread_started) pthread_join(r->thread, NULL);
  while (r->calls) call_remove(r, r->calls);
  free_graveyard(r);
  close(r->epfd);
  close(r->wakefd);
  free(r->bufs);
  r->closed = 1;
}

static void finalize_relay(napi_env env, void *data, void *hint) {
  relay_t *r = data;
  stop_relay(r);
  pthread_mutex_destroy(&r->lock);
  free(r);
}

/*
 * create(bind: string, strictSource: boolean, debug: boolean, rtPriority?: number, guardBusy?: number,
 * guardMs?: number) → relay. rtPriority > 0 asks for SCHED_RR at that priority for the forwarding thread
 * (census() says whether the system allowed it); guardBusy (default 0.85) and guardMs (default 1000) set
 * the guard that drops it to normal scheduling (forwarder.h).
 */
static napi_value js_create(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "officepbx_relay: create(bind, strictSource, debug, ...)");
    return NULL;
  }
  relay_t *r = calloc(1, sizeof *r);
  if (!r) {
    napi_throw_error(env, NULL, "officepbx_relay: out of memory");
    return NULL;
  }
  r->bind_addr = arg_ipv4(env, argv[0]);
  r->strict = arg_bool(env, argv[1]);
  r->debug = arg_bool(env, argv[2]);
  r->rt_priority = argc > 3 ? arg_int(env, argv[3]) : 0;
  r->rt_guard_busy = argc > 4 ? arg_double(env, argv[4]) : 0.85;
  r->rt_guard_ms = argc > 5 ? arg_double(env, argv[5]) : 1000;
  pthread_mutex_init(&r->lock, NULL);
  r->bufs = malloc((size_t)BATCH * BUF_SIZE);
  r->epfd = epoll_create1(EPOLL_CLOEXEC);
  r->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (!r->bufs || r->epfd < 0 || r->wakefd < 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "officepbx_relay: cannot start: %s", strerror(errno));
    if (r->epfd >= 0) close(r->epfd);
    if (r->wakefd >= 0) close(r->wakefd);
    free(r->bufs);
    free(r);
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  for (int i = 0; i < BATCH; i++) {
    r->in_iov[i].iov_base = r->bufs + (size_t)i * BUF_SIZE;
    r->in_iov[i].iov_len = BUF_SIZE;
    r->in[i].msg_hdr.msg_iov = &r->in_iov[i];
    r->in[i].msg_hdr.msg_iovlen = 1;
    r->in[i].msg_hdr.msg_name = &r->from[i];
    r->out[i].msg_hdr.msg_iov = &r->out_iov[i];
    r->out[i].msg_hdr.msg_iovlen = 1;
  }
  struct epoll_event ev = {0};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;
  epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->wakefd, &ev);
  int e = pthread_create(&r->thread, NULL, forward_loop, r);
  if (e != 0) {
    close(r->epfd);
    close(r->wakefd);
    free(r->bufs);
    free(r);
    napi_throw_error(env, NULL, "officepbx_relay: cannot start the forwarding thread");
    return NULL;
  }
  r->thread_started = 1;
  /* Until the thread has recorded its id, threadId() would say 0: wait for it (microseconds). */
  for (int i = 0; i < 20000; i++) {
    pthread_mutex_lock(&r->lock);
    pid_t tid = r->tid;
    pthread_mutex_unlock(&r->lock);
    if (tid) break;
    usleep(50);
  }
  if (r->rt_priority > 0) {
    int lo = sched_get_priority_min(SCHED_RR), hi = sched_get_priority_max(SCHED_RR);
    struct sched_param sp = {.sched_priority = r->rt_priority < lo ? lo : r->rt_priority > hi ? hi : r->rt_priority};
    r->rt_priority = sp.sched_priority;
    pthread_mutex_lock(&r->lock);
    int err = pthread_setschedparam(r->thread, SCHED_RR, &sp);
    r->rt_state = err == 0 ? RT_ON : RT_DENIED;
    r->rt_error = err;
    pthread_mutex_unlock(&r->lock);
  }
  napi_value out;
  CHECK(napi_create_external(env, r, finalize_relay, NULL, &out));
  return out;
}

#define ARGS(n)                                                                                                \
  size_t argc = n;                                                                                             \
  napi_value argv[n];                                                                                          \
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));                                                 \
  relay_t *r = get_relay(env, argv[0]);                                                                        \
  if (!r) return NULL

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value num(napi_env env, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  return v;
}

static void set_num(napi_env env, napi_value obj, const char *name, double d) {
  napi_set_named_property(env, obj, name, num(env, d));
}

/* threadId(relay) → the forwarding thread's kernel thread id */
static napi_value js_thread_id(napi_env env, napi_callback_info info) {
  ARGS(1);
  pthread_mutex_lock(&r->lock);
  pid_t tid = r->tid;
  pthread_mutex_unlock(&r->lock);
  return num(env, tid);
}

/* callSet(relay, call, armed): creates the call if new; signalling restarts its idle clock. */
static napi_value js_call_set(napi_env env, napi_callback_info info) {
  ARGS(3);
  int handle = arg_int(env, argv[1]);
  pthread_mutex_lock(&r->lock);
  call_t *c = find_call(r, handle);
  if (!c) {
    c = calloc(1, sizeof *c);
    if (!c) {
      pthread_mutex_unlock(&r->lock);
      napi_throw_error(env, NULL, "officepbx_relay: out of memory");
      return NULL;
    }
    c->handle = handle;
    c->next = r->calls;
    r->calls = c;
    r->call_count++;
  }
  c->armed = arg_bool(env, argv[2]);
  c->last_sync_ms = now_ms();
  pthread_mutex_unlock(&r->lock);
  return undefined(env);
}

/* streamKeep(relay, call, indexes: number[]): closes the call's streams not listed. */
static napi_value js_stream_keep(napi_env env, napi_callback_info info) {
  ARGS(3);
  int handle = arg_int(env, argv[1]);
  uint32_t n = 0;
  napi_get_array_length(env, argv[2], &n);
  int keep[64];
  if (n > 64) n = 64;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    napi_get_element(env, argv[2], i, &v);
    keep[i] = arg_int(env, v);
  }
  pthread_mutex_lock(&r->lock);
  call_t *c = find_call(r, handle);
  for (stream_t **p = c ? &c->streams : NULL; p && *p;) {
    stream_t *s = *p;
    int wanted = 0;
    for (uint32_t i = 0; i < n; i++) wanted |= keep[i] == s->index;
    if (wanted)
      p = &s->next;
    else {
      *p = s->next;
      stream_close(r, s);
    }
  }
  pthread_mutex_unlock(&r->lock);
  return undefined(env);
}

/* streamSet(relay, call, index, rtp, clockRates: number[] flat [pt, rate, …]): creates the stream if new. */
static napi_value js_stream_set(napi_env env, napi_callback_info info) {
  ARGS(5);
  int handle = arg_int(env, argv[1]);
  int index = arg_int(env, argv[2]);
  int rtp = arg_bool(env, argv[3]);
  int32_t rates[128] = {0};
  uint32_t n = 0;
  napi_get_array_length(env, argv[4], &n);
  for (uint32_t i = 0; i + 1 < n; i += 2) {
    napi_value a, b;
    napi_get_element(env, argv[4], i, &a);
    napi_get_element(env, argv[4], i + 1, &b);
    int pt = arg_int(env, a);
    if (pt >= 0 && pt < 128) rates[pt] = arg_int(env, b);
  }
  pthread_mutex_lock(&r->lock);
  call_t *c = find_call(r, handle);
  if (!c) {
    pthread_mutex_unlock(&r->lock);
    napi_throw_error(env, NULL, "officepbx_relay: no such call");
    return NULL;
  }
  stream_t *s = find_stream(c, index);
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s) {
      pthread_mutex_unlock(&r->lock);
      napi_throw_error(env, NULL, "officepbx_relay: out of memory");
      return NULL;
    }
    s->call = c;
    s->index = index;
    for (int side = 0; side < 2; side++) {
      leg_t *l = &s->legs[side];
      l->stream = s;
      l->other = &s->legs[1 - side];
      l->side = side;
      l->fd[0] = l->fd[1] = -1;
      for (int w = 0; w < 2; w++) l->dest[w].sin_family = AF_INET;
      stats_init(&l->stats);
    }
    s->next = c->streams;
    c->streams = s;
  }
  s->rtp = rtp;
  memcpy(s->clock_rates, rates, sizeof rates);
  pthread_mutex_unlock(&r->lock);
  return undefined(env);
}

static leg_t *find_leg(relay_t *r, napi_env env, napi_value *argv) {
  call_t *c = find_call(r, arg_int(env, argv[1]));
  stream_t *s = find_stream(c, arg_int(env, argv[2]));
  int side = arg_int(env, argv[3]);
  if (!s || side < 0 || side > 1) return NULL;
  return &s->legs[side];
}

/* legBind(relay, call, index, side, port) → null, or the reason the port pair could not be bound. */
static napi_value js_leg_bind(napi_env env, napi_callback_info info) {
  ARGS(5);
  int port = arg_int(env, argv[4]);
  pthread_mutex_lock(&r->lock);
  leg_t *l = find_leg(r, env, argv);
  int e = l ? leg_bind(r, l, port) : ENOENT;
  pthread_mutex_unlock(&r->lock);
  napi_value out;
  if (e == 0) {
    napi_get_null(env, &out);
    return out;
  }
  char msg[160];
  snprintf(msg, sizeof msg, "bind %d: %s", port, strerror(e));
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &out);
  return out;
}

/*
 * legApply(relay, call, index, side, hasEndpoint, address, rtpPort, rtcpAddress, rtcpPort, hold): the phone's
 * latest SDP. A changed address or port re-opens the latches; a hold and its resume to the same address keep
 * them (relay-leg.ts apply()).
 */
static napi_value js_leg_apply(napi_env env, napi_callback_info info) {
  ARGS(10);
  int has = arg_bool(env, argv[4]);
  uint32_t addr = arg_ipv4(env, argv[5]);
  int rtp_port = arg_int(env, argv[6]);
  uint32_t rtcp_addr = arg_ipv4(env, argv[7]);
  int rtcp_port = arg_int(env, argv[8]);
  int hold = arg_bool(env, argv[9]);
  pthread_mutex_lock(&r->lock);
  leg_t *l = find_leg(r, env, argv);
  if (l) {
    if (has) {
      if (l->has_endpoint && (l->ep_addr != addr || l->ep_rtp_port != rtp_port ||
                              l->ep_rtcp_addr != rtcp_addr || l->ep_rtcp_port != rtcp_port))
        memset(l->latch, 0, sizeof l->latch);
      l->has_endpoint = 1;
      l->ep_addr = addr;
      l->ep_rtp_port = (uint16_t)rtp_port;
      l->ep_rtcp_addr = rtcp_addr;
      l->ep_rtcp_port = (uint16_t)rtcp_port;
    }
    l->hold = hold;
    leg_refresh(l);
  }
  pthread_mutex_unlock(&r->lock);
  return undefined(env);
}

static napi_value direction_stats(napi_env env, const leg_t *l) {
  napi_value o;
  napi_create_object(env, &o);
  set_num(env, o, "packets", l->packets);
  set_num(env, o, "bytes", l->bytes);
  set_num(env, o, "lost", stats_lost(&l->stats));
  set_num(env, o, "jitterMs", l->stats.jitter_ms);
  napi_value source;
  if (l->latch[WHAT_RTP].port == 0)
    napi_get_null(env, &source);
  else {
    char buf[32], a[INET_ADDRSTRLEN];
    struct in_addr in = {l->latch[WHAT_RTP].addr};
    inet_ntop(AF_INET, &in, a, sizeof a);
    snprintf(buf, sizeof buf, "%s:%u", a, (unsigned)l->latch[WHAT_RTP].port);
    napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &source);
  }
  napi_set_named_property(env, o, "source", source);
  set_num(env, o, "rtcpPackets", l->rtcp_packets);
  set_num(env, o, "dropped", l->dropped);
  return o;
}

static napi_value call_stats(napi_env env, const call_t *c, double now) {
  napi_value o, streams;
  napi_create_object(env, &o);
  napi_create_array(env, &streams);
  /* Streams are kept newest first: list them by index. */
  uint32_t k = 0;
  for (int want = 0; want < 1 << 16; want++) {
    int more = 0;
    for (const stream_t *s = c->streams; s; s = s->next) {
      if (s->index > want) more = 1;
      if (s->index != want) continue;
      napi_value so, from;
      napi_create_object(env, &so);
      set_num(env, so, "index", s->index);
      napi_create_array_with_length(env, 2, &from);
      napi_set_element(env, from, 0, direction_stats(env, &s->legs[0]));
      napi_set_element(env, from, 1, direction_stats(env, &s->legs[1]));
      napi_set_named_property(env, so, "from", from);
      napi_set_element(env, streams, k++, so);
    }
    if (!more) break;
  }
  napi_set_named_property(env, o, "streams", streams);
  double since = c->last_packet_ms != 0 ? c->last_packet_ms : c->last_sync_ms;
  set_num(env, o, "idleMs", now - since < 0 ? 0 : (double)(int64_t)(now - since + 0.5));
  return o;
}

/* stats(relay, call) → { streams, idleMs } or undefined */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  ARGS(2);
  pthread_mutex_lock(&r->lock);
  call_t *c = find_call(r, arg_int(env, argv[1]));
  napi_value out = c ? call_stats(env, c, now_ms()) : undefined(env);
  pthread_mutex_unlock(&r->lock);
  return out;
}

/* remove(relay, call) → final statistics or undefined; the call's sockets are closed when it returns. */
static napi_value js_remove(napi_env env, napi_callback_info info) {
  ARGS(2);
  pthread_mutex_lock(&r->lock);
  call_t *c = find_call(r, arg_int(env, argv[1]));
  napi_value out = undefined(env);
  if (c) {
    out = call_stats(env, c, now_ms());
    call_remove(r, c);
  }
  pthread_mutex_unlock(&r->lock);
  return out;
}

/* census(relay) → { calls, sockets, forwarded } */
static napi_value js_census(napi_env env, napi_callback_info info) {
  ARGS(1);
  napi_value o;
  napi_create_object(env, &o);
  pthread_mutex_lock(&r->lock);
  set_num(env, o, "calls", r->call_count);
  set_num(env, o, "sockets", r->sockets);
  set_num(env, o, "forwarded", r->forwarded);
  static const char *const states[] = {"off", "on", "denied", "throttled"};
  napi_value v;
  napi_create_string_utf8(env, states[r->rt_state], NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, o, "realtime", v);
  set_num(env, o, "realtimePriority", r->rt_state == RT_OFF ? 0 : r->rt_priority);
  set_num(env, o, "realtimeDemotions", r->rt_demotions);
  if (r->rt_state == RT_DENIED) {
    napi_create_string_utf8(env, strerror(r->rt_error), NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, o, "realtimeError", v);
  }
  pthread_mutex_unlock(&r->lock);
  return o;
}

/*
 * poll(relay, mediaTimeoutMs) → { timeouts: number[], events: [type, call, stream, side, what, legPort,
 * "addr", port][], eventsLost, realtimeDemotions?, realtimeOn? } (the last two only when the lock was free). Calls armed and quiet for mediaTimeoutMs are reported once each (again
 * only after media came back and stopped again), as worker-call-table.ts checkTimeouts().
 */
static napi_value js_poll(napi_env env, napi_callback_info info) {
  ARGS(2);
  double limit = arg_double(env, argv[1]);
  napi_value o, timeouts, events;
  napi_create_object(env, &o);
  napi_create_array(env, &timeouts);
  napi_create_array(env, &events);
  /* Never wait for the forwarding thread here (it may be descheduled holding the lock): poll again later. */
  if (pthread_mutex_trylock(&r->lock) != 0) {
    set_num(env, o, "eventsLost", 0);
    napi_set_named_property(env, o, "timeouts", timeouts);
    napi_set_named_property(env, o, "events", events);
    return o;
  }
  double now = now_ms();
  uint32_t k = 0;
  if (limit > 0)
    for (call_t *c = r->calls; c; c = c->next) {
      double last = c->last_packet_ms > c->last_sync_ms ? c->last_packet_ms : c->last_sync_ms;
      double quiet = now - last;
      if (c->timeout_reported) {
        if (quiet < limit) c->timeout_reported = 0;
      } else if (c->armed && quiet >= limit) {
        c->timeout_reported = 1;
        napi_set_element(env, timeouts, k++, num(env, c->handle));
      }
    }
  for (uint32_t i = 0; i < r->event_count; i++) {
    const event_t *e = &r->events[(r->event_head + i) % EVENT_RING];
    napi_value row, addr;
    napi_create_array_with_length(env, 8, &row);
    char a[INET_ADDRSTRLEN];
    struct in_addr in = {e->addr};
    inet_ntop(AF_INET, &in, a, sizeof a);
    napi_create_string_utf8(env, a, NAPI_AUTO_LENGTH, &addr);
    napi_set_element(env, row, 0, num(env, e->type));
    napi_set_element(env, row, 1, num(env, e->call));
    napi_set_element(env, row, 2, num(env, e->stream));
    napi_set_element(env, row, 3, num(env, e->side));
    napi_set_element(env, row, 4, num(env, e->what));
    napi_set_element(env, row, 5, num(env, e->leg_port));
    napi_set_element(env, row, 6, addr);
    napi_set_element(env, row, 7, num(env, e->port));
    napi_set_element(env, events, i, row);
  }
  set_num(env, o, "eventsLost", r->events_lost);
  set_num(env, o, "realtimeDemotions", r->rt_demotions);
  napi_value on;
  napi_get_boolean(env, r->rt_state == RT_ON, &on);
  napi_set_named_property(env, o, "realtimeOn", on);
  r->event_head = r->event_count = r->events_lost = 0;
  pthread_mutex_unlock(&r->lock);
  napi_set_named_property(env, o, "timeouts", timeouts);
  napi_set_named_property(env, o, "events", events);
  return o;
}

/* close(relay): ends the thread and closes every socket; the ports can be bound again when it returns. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  relay_t *r = NULL;
  if (napi_get_value_external(env, argv[0], (void **)&r) == napi_ok && r) stop_relay(r);
  return undefined(env);
}

NAPI_MODULE_INIT() {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"create", js_create},       {"threadId", js_thread_id}, {"callSet", js_call_set},
      {"streamKeep", js_stream_keep}, {"streamSet", js_stream_set}, {"legBind", js_leg_bind},
      {"legApply", js_leg_apply},  {"stats", js_stats},        {"remove", js_remove},
      {"census", js_census},       {"poll", js_poll},          {"close", js_close},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, fns[i].name, f) != napi_ok) return NULL;
  }
  return exports;
}
