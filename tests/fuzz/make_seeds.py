#!/usr/bin/env python3
"""Write the seed corpora (tests/fuzz/corpus/<target>/) from the captures in tests/data/ and the rule
files. Run from anywhere; the seeds are committed, so this is only needed to refresh them."""
import glob
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CAPTURES = os.path.join(ROOT, "tests", "data", "captures")


def pcap_packets(path):
    """IPv4 packets of an Ethernet or raw-IP pcap (microsecond, little-endian)."""
    data = open(path, "rb").read()
    magic, = struct.unpack("<I", data[:4])
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    linktype, = struct.unpack(end + "I", data[20:24])
    off, out = 24, []
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if linktype == 1:
            if frame[12:14] != b"\x08\x00":
                continue
            frame = frame[14:]
        out.append(frame)
    return out


def records(pkts):
    return b"".join(struct.pack(">H", len(p)) + p for p in pkts)


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def ipv6_seeds():
    """IPv6 segments fd00::108 <-> fd00::109 behind each extension header (RFC 8200 4), a later
    fragment, and broken ones: an option past its header, hop-by-hop second, a cut chain."""
    client = bytes([0xfd] + [0] * 13 + [0x01, 0x08])
    server = bytes([0xfd] + [0] * 13 + [0x01, 0x09])

    def pkt(exts, flags, from_client=True, payload=b"", frag_offset=0):
        tcp = struct.pack(">HHIIBBHHH", 54321 if from_client else 80, 80 if from_client else 54321,
                          1000, 5001 if flags & 0x10 else 0, 6 << 4, flags, 64800, 0, 0)
        tcp += b"\x02\x04\x05\xa0" + payload
        body, nxt = tcp, 6
        for kind in reversed(exts):
            if kind == 44:
                hdr = struct.pack(">BBHI", nxt, 0, frag_offset << 3 | 1, 0x1234)
            elif kind == 43:
                hdr = struct.pack(">BBBB", nxt, 0, 4, 0) + b"\x00" * 4
            else:
                hdr = struct.pack(">BB", nxt, 0) + b"\x01\x04" + b"\x00" * 4
            body, nxt = hdr + body, kind
        src, dst = (client, server) if from_client else (server, client)
        return struct.pack(">IHBB", 0x60000000, len(body), nxt, 64) + src + dst + body
    good = [pkt([], 0x02), pkt([], 0x12, False), pkt([0], 0x10),
            pkt([0, 60, 43, 44, 60], 0x18, payload=b"GET / HTTP/1.0\r\n\r\n"),
            pkt([44], 0x11, False, frag_offset=0), pkt([44], 0x10, frag_offset=185)]
    bad_tlv = bytearray(pkt([0], 0x02))
    bad_tlv[43] = 7
    hop_second = pkt([60, 0], 0x02)
    cut = pkt([0, 43], 0x02)[:50]
    return good + [bytes(bad_tlv), hop_second, cut]


def main():
    caps = sorted(glob.glob(os.path.join(CAPTURES, "*.pcap")))
    if not caps:
        sys.exit("no captures in " + CAPTURES)
    allpkts = []
    for cap in caps:
        name = os.path.splitext(os.path.basename(cap))[0]
        pkts = pcap_packets(cap)
        allpkts += pkts
        write("segment", name, b"\x01" + records(pkts))
        write("segment", name + "-abs", b"\x06" + records(pkts))
        write("pcap", name, open(cap, "rb").read())
        # the same packets as a raw-IP (linktype 101) big-endian nanosecond file
        raw = struct.pack(">IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 101)
        for i, p in enumerate(pkts):
            raw += struct.pack(">IIII", 1700000000 + i, 999999999, len(p), len(p)) + p
        write("pcap", name + "-raw-ns-be", raw)
    # a SYN with every option tcpdump knows (MSS, SACK-permitted, timestamps, NOP, wscale,
    # SACK blocks, MD5, unknown kind, end of list)
    def syn(opts):
        opts += b"\x00" * ((4 - len(opts) % 4) % 4)
        doff = (20 + len(opts)) // 4
        tcp = struct.pack(">HHIIBBHHH", 59712, 80, 1000, 0, doff << 4, 0x02, 64240, 0, 0) + opts
        return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0,
                           bytes([192, 168, 1, 108]), bytes([192, 168, 1, 109])) + tcp
    syns = [syn(b"\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00"
                b"\x01\x03\x03\x07\x05\x0a\x00\x00\x00\x01\x00\x00\x00\x02"),
            syn(b"\x13\x12" + b"\xaa" * 16 + b"\xfe\x04\xab\xcd\x1e\x04\x00\x00\x00"),
            syn(b"\x1c\x04\x80\x01\x22\x0a" + b"\x11" * 8 + b"\x01\x00")]
    write("segment", "syn-options", b"\x00" + records(syns))
    ipv6 = ipv6_seeds()
    write("segment", "ipv6-extension-headers", b"\x01" + records(ipv6))
    write("segment", "ipv6-extension-headers-abs", b"\x06" + records(ipv6))
    write("rules", "ipv6-family",
          b"drop ip6 [S] from client once\n"
          b"delay 10ms ip4 [S.]\n"
          b"reset both ip6 len >0 nth 2\n"
          b"set win 0 ip6 from server\n"
          b"\x00\x01" + records(ipv6))
    for rules in sorted(glob.glob(os.path.join(ROOT, "rules", "*.rules"))):
        name = os.path.splitext(os.path.basename(rules))[0]
        write("rules", name, open(rules, "rb").read() + b"\x00\x03" + records(allpkts[:12]))
    write("rules", "every-keyword",
          b"drop [S] from client nth 2\n"
          b"delay 300ms jitter 50ms fin from server first 1\n"
          b"drop syn ack !fin len 0 sport 80 after 2\n"
          b"delay 1s [S.] dport 80 len 1-100 once\n"
          b"pass port 80 len > 0 3rd\n"
          b"drop rst\n"
          b"drop pure-ack from server chance 12.5%\n"
          b"delay 250us [P.] len <=40\n"
          b"\x00\x01" + records(allpkts[:12]))
    write("rules", "rewriting-actions",
          b"set win 0 from server nth 3\n"
          b"set mss 536 [S.]\n"
          b"strip sack [S]\n"
          b"strip ts syn\n"
          b"strip wscale [S.] once\n"
          b"strip mss syn after 1\n"
          b"corrupt payload checksum fixed from client nth 2\n"
          b"corrupt header checksum bad fin\n"
          b"corrupt chance 10%\n"
          b"duplicate 2 gap 1ms [S]\n"
          b"reset to sender in-window keep fin\n"
          b"reset both len >0 nth 3\n"
          b"\x00\x05" + records(syns + allpkts[:12]))
    jl = (b'{"t":1763939346.422464,"event":"released","verdict":"delay","delay_us":300000,'
          b'"held_us":300211,"rule":2,"rule_file":"delay \\"fin\\".rules","rule_line":4,'
          b'"dir":"s2c","src":"192.168.1.109","sport":80,"dst":"192.168.1.108","dport":59712,'
          b'"flags":"F.","seq":3403866834,"ack":4231775029,"rseq":1,"rack":1,"win":64,'
          b'"len":0,"text":"23:09:06.422464 IP 192.168.1.109.80 > 192.168.1.108.59712: '
          b'Flags [F.], seq 1, ack 1, win 64, length 0"}\n'
          b'{"t":5,"event":"seen","verdict":"pass","src":"1.2.3.4","dst":"5.6.7.8",'
          b'"flags":"none","text":"x\\u00e9\\u20ac\\ud83d\\ude00\\n\\t\\\\","extra":[1]}\n'
          b'\n'
          b'{"t":0.5,"event":"seen","verdict":"drop","src":"0.0.0.0","dst":"255.255.255.255",'
          b'"flags":"SFRPUEW.","unknown":null,"b":true,"c":false,"n":-1.5e3}\n')
    write("trace_read", "three-records", jl)
    write("trace_read", "one-line", jl.split(b"\n")[0])
    for i, s in enumerate([b"connect; send 10M; shutdown-write; read-eof; close",
                           b"accept; read-eof; sleep 300ms; close",
                           b'connect; send-text "GET / HTTP/1.0;\\r\\n"; read 1K; abort',
                           b"accept; echo; sleep 2s; discard; read 64KB; sleep 250us"]):
        write("peer_script", "script%d" % i, bytes([40 + i]) + s)
    for scn in sorted(glob.glob(os.path.join(ROOT, "tests", "scenarios", "*.scn"))):
        write("scenario", os.path.splitext(os.path.basename(scn))[0], open(scn, "rb").read())
    # the seed's connect-close conversation as observed: dir, flags, seq, ack, len, verdict, dt
    conv = [(0, 0x02, 1000, 0, 0, 0, 0), (1, 0x12, 5000, 1001, 0, 0, 1),
            (0, 0x10, 1001, 5001, 0, 0, 1), (0, 0x11, 1001, 5001, 0, 0, 250),
            (0, 0x11, 1001, 5001, 0, 0, 250), (1, 0x11, 5001, 1002, 0, 0, 40),
            (0, 0x10, 1002, 5002, 0, 0, 1)]
    obs = b"".join(struct.pack(">BBIIHBB", *c) for c in conv)
    text = open(os.path.join(ROOT, "tests", "scenarios", "seed-connect-close.scn"), "rb").read()
    write("scenario", "seed-connect-close-observed", text + b"\x00" + obs)

    # fuzz_stack_input programs (see the op codes there)
    def crafted(which, flags, dseq=0, dack=0, win=65535, opts=b"", data_len=0, how=0):
        return (bytes([1, which, flags, how]) + struct.pack(">IIHB", dseq, dack, win, len(opts))
                + opts + struct.pack(">H", data_len))

    def call(n, arg, extra=b""):
        return bytes([2 | n << 2, arg]) + extra

    def advance(ms, big=False):
        return bytes([7 if big else 3]) + struct.pack(">H", min(ms * 16 // (16384 if big else 1), 65535))

    write("stack_input", "data-recv-send-close",
          crafted(0, 0x18, data_len=100) + call(1, 0, b"\x01") + call(0, 0, b"\x0b\xb8") +
          advance(250) + crafted(0, 0x11) + call(3, 0) + advance(120000, True))
    write("stack_input", "active-send-retransmit-partial-ack",
          call(0, 1, b"\x27\x10") + advance(300) + crafted(1, 0x10, dack=1460) + advance(1000) +
          advance(3000) + crafted(1, 0x10, dack=2920, win=0) + advance(60000, True))
    write("stack_input", "new-syn-accept-connect",
          crafted(3, 0x02, opts=b"\x02\x04\x05\xb4") + crafted(3, 0x10, dseq=1) +
          call(5, 0) + call(6, 1) + crafted(2, 0x12, dseq=9000, dack=1, how=4) + call(2, 2) +
          crafted(2, 0x04) + crafted(4, 0x02, dack=81))
    write("stack_input", "dup-acks-fast-retransmit",
          call(0, 1, b"\x1f\x40") + crafted(1, 0x10) + bytes([1, 5 | 3 << 3]) +
          crafted(1, 0x10, dack=1460) + advance(500))
    icmp = b"\x08\x00\x00\x00\x12\x34\x00\x01" + b"ping" * 4
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0,
                     bytes(4), bytes(4)) + icmp
    write("stack_input", "icmp-echo-and-ip-options",
          b"\x74" + struct.pack(">H", len(ip)) + ip +
          b"\x44" + struct.pack(">H", 24 + 20) + b"\x46\x00\x00\x2c" + bytes(4) +
          b"\x40\x06\x00\x00" + bytes(8) + b"\x01\x01\x01\x00" +
          struct.pack(">HHIIBBHHH", 1234, 80, 1, 0, 0x50, 0x02, 1000, 0, 0))
    write("stack_input", "raw-capture-packets",
          b"".join(b"\x00" + struct.pack(">H", len(p)) + p for p in allpkts[:8]))


main()
