#!/usr/bin/env python3
"""Traffic generator for bench/relay-load.ts (the default one: a Python epoll loop, like the rig's
relay_load.py, costs less per packet than a Node dgram generator and so stays out of the way longer on a
2-core machine). One UDP socket per leg; 172-byte RTP packets (20 ms G.711) at 50 pps per leg, spread
evenly over each 20 ms; every packet carries its send time (perf_counter) at offset 12, so the time it
takes to come back through the relay is measured. With "sockets":K < N, leg i sends and receives on socket i % K (the relay latches each of its sockets to
whichever address sends to it, so legs may share one): fewer sockets make a cheaper generator.
Speaks JSON lines on stdin/stdout:
  {"type":"open","legs":N,"sockets":K}          -> {"type":"ports","ports":[... one per leg ...]}
  {"type":"run","targets":[...],"seconds":S}    -> {"type":"started"} ... {"type":"result",...}
  {"type":"close"}
"""
import json, select, socket, struct, sys, time

LOOPBACK = '127.0.0.1'
SLOTS = 10          # legs send in turn, 2 ms apart, rather than all at once every 20 ms
SLOT_S = 0.020 / SLOTS
BIN_S = 0.00001     # 10 µs latency bins
BINS = 50000        # up to 500 ms
pc = time.perf_counter
socks = []  # one per leg (shared when there are fewer sockets than legs)
byfd = {}
state = {'received': 0, 'counting': False}
hist = [0] * BINS
unpack_stamp = struct.Struct('<d').unpack_from


def reply(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def drain(s):
    n = 0
    recv = s.recv
    try:
        while True:
            data = recv(2048)
            n += 1
            b = int((pc() - unpack_stamp(data, 12)[0]) / BIN_S)
            hist[b if 0 <= b < BINS else (BINS - 1 if b >= BINS else 0)] += 1
    except BlockingIOError:
        pass
    if state['counting']:
        state['received'] += n


def percentile(p):
    total = sum(hist)
    if not total:
        return None
    seen = 0
    for i, c in enumerate(hist):
        seen += c
        if seen >= total * p:
            return (i + 0.5) * BIN_S * 1000
    return None


def open_legs(n, k):
    own = []
    for _ in range(min(n, k)):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind((LOOPBACK, 0))
        s.setblocking(False)
        own.append(s)
        byfd[s.fileno()] = s
    socks.extend(own[i % len(own)] for i in range(n))
    reply({'type': 'ports', 'ports': [s.getsockname()[1] for s in socks]})


def run(targets, seconds):
    dsts = [(LOOPBACK, t) for t in targets]
    prime = bytearray(172)
    prime[0] = 0x80
    for s, d in zip(socks, dsts):
        s.sendto(prime, d)
    time.sleep(0.5)
    state['counting'] = False
    for s in byfd.values():
        drain(s)
    for i in range(BINS):
        hist[i] = 0
    state['received'] = 0
    state['counting'] = True  # (the histogram of the priming drain was just cleared)
    reply({'type': 'started'})
    ep = select.epoll()
    for fd in byfd:
        ep.register(fd, select.EPOLLIN)
    bufs = []
    for i in range(len(socks)):
        b = bytearray(172)
        b[0] = 0x80
        struct.pack_into('>I', b, 8, 0x10000 + i)
        bufs.append(b)
    seqs = [0] * len(socks)
    pack_seq = struct.Struct('>HI').pack_into
    pack_stamp = struct.Struct('<d').pack_into
    n = len(socks)
    sent = late = 0
    start = pc()
    end = start + seconds
    tick = 0
    while True:
        due = start + tick * SLOT_S
        if due >= end:
            break
        wait = due - pc()
        if wait < -0.020:
            late += 1
        if wait <= 0:  # behind schedule: still read what came back, once per slot
            for fd, _ in ep.poll(0):
                drain(byfd[fd])
        while wait > 0:
            for fd, _ in ep.poll(wait):
                drain(byfd[fd])
            wait = due - pc()
        for i in range(tick % SLOTS, n, SLOTS):
            b = bufs[i]
            seq = seqs[i] = seqs[i] + 1
            pack_seq(b, 2, seq & 0xFFFF, (seq * 160) & 0xFFFFFFFF)
            pack_stamp(b, 12, pc())
            socks[i].sendto(b, dsts[i])
            sent += 1
        tick += 1
    elapsed = pc() - start
    # The last packets come back: read until 200 ms pass without any (at most 10 s of backlog).
    quiet_until = pc() + 0.2
    give_up = pc() + 10
    while pc() < quiet_until and pc() < give_up:
        events = ep.poll(0.05)
        for fd, _ in events:
            drain(byfd[fd])
        if events:
            quiet_until = pc() + 0.2
    state['counting'] = False
    ep.close()
    reply({'type': 'result', 'sent': sent, 'received': state['received'], 'seconds': elapsed,
           'latencyMs': {'p50': percentile(0.5), 'p99': percentile(0.99), 'max': None}, 'lateTicks': late})


for line in sys.stdin:
    cmd = json.loads(line)
    if cmd['type'] == 'open':
        open_legs(cmd['legs'], cmd.get('sockets') or cmd['legs'])
    elif cmd['type'] == 'run':
        run(cmd['targets'], cmd['seconds'])
    elif cmd['type'] == 'close':
        break
