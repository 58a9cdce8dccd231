/*
 * The relay load probe's C traffic generator (`--generator c`, the default when a C compiler exists):
 * bench/c-generator.ts compiles it at run time with the system `cc`; bench/relay-load.ts drives it over
 * the same JSON-lines protocol as relay_load_generator.py and relay-load-generator.ts:
 *
 *   {"type":"open","legs":N,"sockets":K,"cpu":C,"realtime":1}
 *                                                  -> {"type":"ports","ports":[...],"pinnedCpu":C|-1}
 *   {"type":"run","targets":[...],"seconds":S,"warmup":W}
 *                     -> {"type":"started"} ({"type":"measuring"} after a warm-up) ... {"type":"result",...}
 *   {"type":"close"}
 *
 * Legs share K sockets (leg i uses socket i % K; K = N: one socket per leg, like phones). Every leg sends
 * a 172-byte RTP packet (20 ms G.711) 50 times a second; the legs are spread over SLOTS slots of each
 * 20 ms. One sender thread sleeps with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) until each slot's
 * deadline (start + tick * slot length: no drift, however late a wakeup was) and hands each socket's
 * packets of that slot to one sendmmsg. Just before each sendmmsg it writes the time (CLOCK_REALTIME, in
 * ns) into every packet of that batch at offset 12; SSRC = 0x10000 + leg, so the receiver knows the sender.
 *
 * The full load runs W seconds (rounded to whole 20 ms periods; default 0) before the S measured ones: what
 * is measured is the steady state of N calls, not the first milliseconds of N calls all starting on the
 * same millisecond (phones never do that). Packets sent in the warm-up are not counted: the receiver knows
 * them by sequence number (each leg's first counted one is set before the run starts).
 *
 * One receiver thread wakes every millisecond (a timer, not epoll) and empties every socket with recvmmsg.
 * It does not wait in epoll on purpose: a receiver asleep in epoll is woken by every packet the relay
 * sends it, and on loopback the relay's send pays for that wakeup (a cross-CPU wakeup; in a virtual
 * machine an interrupt and an exit), up to a sixth of the relay's CPU in this bench. A relay sending to
 * phones across a network card never pays it, so this receiver does not make it. With SO_TIMESTAMPNS the
 * kernel stamps each packet (CLOCK_REALTIME) when it enters loopback's receive path, i.e. the moment the
 * relay (or, in the baseline, this generator) handed it to the kernel: latency = that stamp - send
 * stamp, so how late this receiver thread gets to run is not counted. What is counted: the relay's
 * receive wakeup, its work and its send, plus the generator's own sendmmsg batch (a packet late in a
 * batch waits for the ones before it) and the loopback path; the baseline run (generator to generator,
 * no relay) measures those last two alone, and the bench subtracts it. `userLatencyMs` is the same
 * measured when recvmmsg returned (what the other generators measure, including this process's delay).
 *
 * With "realtime":1 the sender thread runs SCHED_FIFO (when allowed; the result says whether it did): phones
 * send on their own clock whatever else the PC does, and on a machine busy with other work a normal
 * thread woke up to 100 ms late and sent in bursts. It sleeps between slots, so it takes no more CPU than
 * otherwise (and the kernel caps real-time threads at sched_rt_runtime_us anyway). The receiver thread
 * stays a normal one: its delays do not count (kernel timestamps), only its CPU does.
 *
 * Reports sent, received, latency p50/p99/max (1 µs buckets up to 1 s, 1 ms buckets up to 60 s),
 * lateTicks (slots that started more than 20 ms after their deadline: the generator, not the relay, then
 * sets the pace), the sender's wakeup lateness, packets out of order or duplicated per sender, and its own
 * CPU time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PACKET_BYTES 172
#define PACKET_NS 20000000LL
#define SLOTS 20 /* 1 ms apart */
#define SLOT_NS (PACKET_NS / SLOTS)
#define LATE_NS PACKET_NS
#define FINE_BINS 1000000 /* 1 µs each up to 1 s */
#define BINS (FINE_BINS + 59000) /* then 1 ms each up to 60 s; the last one holds everything above */
#define RECV_BATCH 64
#define CMSG_BYTES 64

typedef struct {
  uint32_t *bins;
  uint64_t count;
  int64_t max_ns;
} histogram_t;

static int legs, nsockets;
static int *fds;            /* nsockets */
static uint16_t *ports;     /* legs: local port of leg i's socket */
static uint16_t *targets;   /* legs */
static uint8_t (*packets)[PACKET_BYTES];
static uint16_t *seqs;      /* legs: last sequence number sent */
static int32_t *last_seen;  /* legs (by sender): last sequence number received, -1 = none */
static int pinned_cpu = -1;
static int want_realtime, realtime; /* the sender thread on SCHED_FIFO: see run() */

static histogram_t lat_kernel, lat_user, wake_late;
static atomic_int counting, receiving;
static atomic_ullong received, kernel_stamped, reordered, duplicates, last_receive_ns;
static uint16_t *count_from; /* legs: first sequence number of the measured part of the run */

static int64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void hist_reset(histogram_t *h) {
  if (!h->bins) h->bins = calloc(BINS, sizeof(uint32_t));
  else memset(h->bins, 0, BINS * sizeof(uint32_t));
  h->count = 0;
  h->max_ns = 0;
}

static void hist_add(histogram_t *h, int64_t ns) {
  if (ns < 0) ns = 0;
  int64_t b = ns < 1000000000LL ? ns / 1000 : FINE_BINS + (ns - 1000000000LL) / 1000000;
  h->bins[b < BINS ? b : BINS - 1]++;
  h->count++;
  if (ns > h->max_ns) h->max_ns = ns;
}

/* Milliseconds at quantile q (bucket middle), or -1 when empty. */
static double hist_quantile(const histogram_t *h, double q) {
  if (h->count == 0) return -1;
  uint64_t seen = 0, want = (uint64_t)((double)h->count * q);
  if (want < 1) want = 1;
  for (int i = 0; i < BINS; i++) {
    seen += h->bins[i];
    if (seen >= want) return i < FINE_BINS ? (i + 0.5) / 1000.0 : 1000.0 + (i - FINE_BINS) + 0.5;
  }
  return -1;
}

static void print_ms(FILE *out, const char *name, const histogram_t *h) {
  double p50 = hist_quantile(h, 0.5), p99 = hist_quantile(h, 0.99);
  if (h->count == 0) {
    fprintf(out, "\"%s\":{\"p50\":null,\"p99\":null,\"max\":null}", name);
    return;
  }
  fprintf(out, "\"%s\":{\"p50\":%.4f,\"p99\":%.4f,\"max\":%.4f}", name, p50, p99, h->max_ns / 1e6);
}

/* ---------- the tiny JSON this protocol needs ---------- */

static const char *json_key(const char *line, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\"", key);
  const char *p = strstr(line, pat);
  if (!p) return NULL;
  p = strchr(p + strlen(pat), ':');
  if (!p) return NULL;
  p++;
  while (*p == ' ') p++;
  return p;
}

static double json_number(const char *line, const char *key, double fallback) {
  const char *p = json_key(line, key);
  if (!p || *p == 'n') return fallback;
  return strtod(p, NULL);
}

static int json_type(const char *line, const char *type) {
  const char *p = json_key(line, "type");
  if (!p || *p != '"') return 0;
  size_t n = strlen(type);
  return strncmp(p + 1, type, n) == 0 && p[1 + n] == '"';
}

/* ---------- open: sockets ---------- */

static int open_legs(int n, int k, int cpu) {
  if (k <= 0 || k > n) k = n;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)k + 64) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    /* Before any thread starts: the sender and receiver threads inherit it. */
    if (sched_setaffinity(0, sizeof set, &set) == 0) pinned_cpu = cpu;
    else fprintf(stderr, "rtp-loadgen: sched_setaffinity(%d): %s\n", cpu, strerror(errno));
  }
  legs = n;
  nsockets = k;
  fds = calloc((size_t)k, sizeof(int));
  ports = calloc((size_t)n, sizeof(uint16_t));
  targets = calloc((size_t)n, sizeof(uint16_t));
  packets = calloc((size_t)n, PACKET_BYTES);
  seqs = calloc((size_t)n, sizeof(uint16_t));
  last_seen = calloc((size_t)n, sizeof(int32_t));
  count_from = calloc((size_t)n, sizeof(uint16_t));
  for (int s = 0; s < k; s++) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      fprintf(stderr, "rtp-loadgen: socket: %s\n", strerror(errno));
      return -1;
    }
    int one = 1, buf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
      fprintf(stderr, "rtp-loadgen: bind: %s\n", strerror(errno));
      return -1;
    }
    fds[s] = fd;
    for (int i = s; i < n; i += k) ports[i] = ntohs(a.sin_port);
  }
  for (int i = 0; i < n; i++) {
    packets[i][0] = 0x80; /* RTP v2, PT 0 (PCMU) */
    uint32_t ssrc = htonl(0x10000u + (uint32_t)i);
    memcpy(&packets[i][8], &ssrc, 4);
  }
  printf("{\"type\":\"ports\",\"ports\":[");
  for (int i = 0; i < n; i++) printf(i ? ",%u" : "%u", ports[i]);
  printf("],\"pinnedCpu\":%d}\n", pinned_cpu);
  fflush(stdout);
  return 0;
}

/* ---------- receiver thread ---------- */

static void take(const uint8_t *p, unsigned len, struct msghdr *h, int64_t user_now) {
  if (len < 20) return;
  uint32_t ssrc;
  memcpy(&ssrc, p + 8, 4);
  ssrc = ntohl(ssrc);
  if (ssrc < 0x10000u || ssrc >= 0x10000u + (uint32_t)legs) return;
  if (!atomic_load_explicit(&counting, memory_order_relaxed)) return;
  int from = (int)(ssrc - 0x10000u);
  int64_t stamp;
  memcpy(&stamp, p + 12, 8);
  uint16_t seq;
  memcpy(&seq, p + 2, 2);
  seq = ntohs(seq);
  if ((int16_t)(seq - count_from[from]) < 0) return; /* sent in the warm-up */
  int64_t kernel = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      kernel = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    }
  }
  if (kernel >= 0) {
    hist_add(&lat_kernel, kernel - stamp);
    atomic_fetch_add_explicit(&kernel_stamped, 1, memory_order_relaxed);
  }
  hist_add(&lat_user, user_now - stamp);
  int32_t last = last_seen[from];
  if (last >= 0) {
    int16_t d = (int16_t)(seq - (uint16_t)last);
    if (d == 0) atomic_fetch_add_explicit(&duplicates, 1, memory_order_relaxed);
    else if (d < 0) atomic_fetch_add_explicit(&reordered, 1, memory_order_relaxed);
    if (d > 0) last_seen[from] = seq;
  } else {
    last_seen[from] = seq;
  }
  atomic_fetch_add_explicit(&received, 1, memory_order_relaxed);
}

static void *receive_loop(void *arg) {
  (void)arg;
  static uint8_t bufs[RECV_BATCH][2048];
  static uint8_t ctl[RECV_BATCH][CMSG_BYTES];
  struct mmsghdr msgs[RECV_BATCH];
  struct iovec iov[RECV_BATCH];
  while (atomic_load(&receiving)) {
    struct timespec nap = {0, 1000000};
    nanosleep(&nap, NULL);
    for (int s = 0; s < nsockets; s++) {
      int fd = fds[s];
      for (;;) {
        for (int i = 0; i < RECV_BATCH; i++) {
          iov[i].iov_base = bufs[i];
          iov[i].iov_len = sizeof bufs[i];
          memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
          msgs[i].msg_hdr.msg_iov = &iov[i];
          msgs[i].msg_hdr.msg_iovlen = 1;
          msgs[i].msg_hdr.msg_control = ctl[i];
          msgs[i].msg_hdr.msg_controllen = CMSG_BYTES;
        }
        int got = recvmmsg(fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
        if (got <= 0) break;
        int64_t t = now_ns(CLOCK_REALTIME);
        for (int i = 0; i < got; i++) take(bufs[i], msgs[i].msg_len, &msgs[i].msg_hdr, t);
        atomic_store_explicit(&last_receive_ns, (unsigned long long)now_ns(CLOCK_MONOTONIC),
                              memory_order_relaxed);
        if (got < RECV_BATCH) break;
      }
    }
  }
  return NULL;
}

/* ---------- run: the sender, in the main thread ---------- */

static void sleep_until(int64_t deadline_ns) {
  struct timespec ts = {.tv_sec = deadline_ns / 1000000000LL, .tv_nsec = deadline_ns % 1000000000LL};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static void run(const char *line) {
  const char *p = json_key(line, "targets");
  if (!p || *p != '[') {
    fprintf(stderr, "rtp-loadgen: run without targets\n");
    exit(2);
  }
  p++;
  for (int i = 0; i < legs; i++) {
    char *end;
    targets[i] = (uint16_t)strtol(p, &end, 10);
    p = end;
    while (*p == ',' || *p == ' ') p++;
  }
  double seconds = json_number(line, "seconds", 10);
  /* Whole 20 ms periods, so that every leg sends the same number of warm-up packets. */
  int64_t warm_ticks = (int64_t)(json_number(line, "warmup", 0) * 1000.0 / (PACKET_NS / 1000000)) * SLOTS;

  struct sockaddr_in *dst = calloc((size_t)legs, sizeof *dst);
  for (int i = 0; i < legs; i++) {
    dst[i].sin_family = AF_INET;
    dst[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    dst[i].sin_port = htons(targets[i]);
  }
  /* Legs of one slot grouped by socket: each group is one sendmmsg. */
  int per_slot = (legs + SLOTS - 1) / SLOTS;
  struct mmsghdr *out = calloc((size_t)per_slot, sizeof *out);
  struct iovec *iov = calloc((size_t)per_slot, sizeof *iov);
  int *group_start = calloc((size_t)per_slot + 1, sizeof(int));
  int **slot_legs = calloc(SLOTS, sizeof(int *));
  int *slot_count = calloc(SLOTS, sizeof(int));
  for (int s = 0; s < SLOTS; s++) {
    slot_legs[s] = calloc((size_t)per_slot, sizeof(int));
    for (int i = s; i < legs; i += SLOTS) slot_legs[s][slot_count[s]++] = i;
    /* Sort by socket (i % nsockets), stable: insertion sort, slots are small. */
    for (int a = 1; a < slot_count[s]; a++) {
      int v = slot_legs[s][a], b = a - 1;
      while (b >= 0 && slot_legs[s][b] % nsockets > v % nsockets) {
        slot_legs[s][b + 1] = slot_legs[s][b];
        b--;
      }
      slot_legs[s][b + 1] = v;
    }
  }

  hist_reset(&lat_kernel);
  hist_reset(&lat_user);
  hist_reset(&wake_late);
  atomic_store(&counting, 0);
  atomic_store(&receiving, 1);
  pthread_t rx;
  pthread_create(&rx, NULL, receive_loop, NULL); /* before the sender turns real-time: it stays normal */
  if (want_realtime && !realtime) {
    struct sched_param sp = {.sched_priority = 20}; /* above the relay's forwarding threads (10) */
    int e = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    if (e == 0) realtime = 1;
    else fprintf(stderr, "rtp-loadgen: SCHED_FIFO not allowed (%s): the sender runs as a normal thread\n", strerror(e));
  }

  /* One packet per leg first, so that the relay latches every source; then start counting. */
  for (int i = 0; i < legs; i++)
    sendto(fds[i % nsockets], packets[i], PACKET_BYTES, 0, (struct sockaddr *)&dst[i], sizeof dst[i]);
  sleep_until(now_ns(CLOCK_MONOTONIC) + 500000000LL);
  for (int i = 0; i < legs; i++) {
    last_seen[i] = -1;
    count_from[i] = (uint16_t)(seqs[i] + warm_ticks / SLOTS + 1);
  }
  atomic_store(&received, 0);
  atomic_store(&kernel_stamped, 0);
  atomic_store(&reordered, 0);
  atomic_store(&duplicates, 0);
  atomic_store(&counting, 1);
  printf("{\"type\":\"started\"}\n");
  fflush(stdout);

  double cpu0 = cpu_seconds();
  uint64_t sent = 0, send_calls = 0, send_errors = 0, late_ticks = 0;
  int64_t start = now_ns(CLOCK_MONOTONIC), start_measured = start;
  int64_t end = start + warm_ticks * SLOT_NS + (int64_t)(seconds * 1e9);
  for (int64_t tick = 0;; tick++) {
    int64_t due = start + tick * SLOT_NS;
    if (due >= end) break;
    if (tick == warm_ticks && tick > 0) { /* the measured part starts */
      sent = 0;
      send_calls = 0;
      send_errors = 0;
      late_ticks = 0;
      hist_reset(&wake_late);
      cpu0 = cpu_seconds();
      start_measured = due;
      printf("{\"type\":\"measuring\"}\n");
      fflush(stdout);
    }
    sleep_until(due);
    int64_t late = now_ns(CLOCK_MONOTONIC) - due;
    hist_add(&wake_late, late);
    if (late > LATE_NS) late_ticks++;
    int slot = (int)(tick % SLOTS);
    int n = slot_count[slot];
    int *ls = slot_legs[slot];
    int groups = 0;
    for (int j = 0; j < n; j++) {
      int i = ls[j];
      if (j == 0 || i % nsockets != ls[j - 1] % nsockets) group_start[groups++] = j;
      uint16_t seq = ++seqs[i];
      uint16_t nseq = htons(seq);
      uint32_t ts = htonl((uint32_t)seq * 160u);
      memcpy(&packets[i][2], &nseq, 2);
      memcpy(&packets[i][4], &ts, 4);
      iov[j].iov_base = packets[i];
      iov[j].iov_len = PACKET_BYTES;
      memset(&out[j].msg_hdr, 0, sizeof out[j].msg_hdr);
      out[j].msg_hdr.msg_name = &dst[i];
      out[j].msg_hdr.msg_namelen = sizeof dst[i];
      out[j].msg_hdr.msg_iov = &iov[j];
      out[j].msg_hdr.msg_iovlen = 1;
    }
    group_start[groups] = n;
    for (int g = 0; g < groups; g++) {
      int from = group_start[g], count = group_start[g + 1] - from;
      int fd = fds[ls[from] % nsockets];
      int64_t stamp = now_ns(CLOCK_REALTIME); /* the moment this batch is handed to sendmmsg */
      for (int j = from; j < from + count; j++) memcpy(&packets[ls[j]][12], &stamp, 8);
      int done = 0;
      while (done < count) {
        int k = sendmmsg(fd, out + from + done, (unsigned)(count - done), 0);
        send_calls++;
        if (k <= 0) {
          send_errors++;
          break; /* counted as lost: the offered load is what was handed to the kernel */
        }
        done += k;
      }
      sent += (uint64_t)done;
    }
  }
  double elapsed = (now_ns(CLOCK_MONOTONIC) - start_measured) / 1e9;
  double cpu_send_end = cpu_seconds();
  /* The last packets come back: wait until 200 ms pass without any (at most 10 s of backlog). */
  int64_t give_up = now_ns(CLOCK_MONOTONIC) + 10000000000LL;
  atomic_store(&last_receive_ns, (unsigned long long)now_ns(CLOCK_MONOTONIC));
  for (;;) {
    int64_t now = now_ns(CLOCK_MONOTONIC);
    if (now > give_up || now - (int64_t)atomic_load(&last_receive_ns) > 200000000LL) break;
    sleep_until(now + 50000000LL);
  }
  atomic_store(&counting, 0);
  atomic_store(&receiving, 0);
  pthread_join(rx, NULL);

  printf("{\"type\":\"result\",\"sent\":%llu,\"received\":%llu,\"seconds\":%.6f,",
         (unsigned long long)sent, (unsigned long long)atomic_load(&received), elapsed);
  int kernel = atomic_load(&kernel_stamped) > 0 && atomic_load(&kernel_stamped) == atomic_load(&received);
  print_ms(stdout, "latencyMs", kernel ? &lat_kernel : &lat_user);
  printf(",\"timestamps\":\"%s\",\"kernelStamped\":%llu,", kernel ? "kernel" : "user",
         (unsigned long long)atomic_load(&kernel_stamped));
  print_ms(stdout, "userLatencyMs", &lat_user);
  printf(",");
  print_ms(stdout, "wakeLateMs", &wake_late);
  printf(",\"lateTicks\":%llu,\"ticks\":%llu,\"sendCalls\":%llu,\"sendErrors\":%llu,\"reordered\":%llu,"
         "\"duplicates\":%llu,\"cpuSeconds\":%.4f,\"pinnedCpu\":%d,\"realtime\":%s,\"sockets\":%d,\"slots\":%d}\n",
         (unsigned long long)late_ticks, (unsigned long long)wake_late.count,
         (unsigned long long)send_calls, (unsigned long long)send_errors,
         (unsigned long long)atomic_load(&reordered), (unsigned long long)atomic_load(&duplicates),
         cpu_send_end - cpu0, pinned_cpu, realtime ? "true" : "false", nsockets, SLOTS);
  fflush(stdout);

  for (int s = 0; s < SLOTS; s++) free(slot_legs[s]);
  free(slot_legs);
  free(slot_count);
  free(group_start);
  free(iov);
  free(out);
  free(dst);
}

int main(void) {
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, stdin) > 0) {
    if (json_type(line, "open")) {
      int n = (int)json_number(line, "legs", 0);
      want_realtime = json_number(line, "realtime", 0) != 0;
      if (n <= 0 || open_legs(n, (int)json_number(line, "sockets", n), (int)json_number(line, "cpu", -1)))
        return 1;
    } else if (json_type(line, "run")) {
      if (!legs) return 1;
      run(line);
    } else if (json_type(line, "close")) {
      break;
    }
  }
  free(line);
  return 0;
}
