"""Minimal RFC 6455 client (standard library only): handshake, masked binary frames, close."""

import base64
import hashlib
import os
import socket
import struct
from urllib.parse import urlsplit

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame(opcode, payload, fin=True):
    head = bytearray([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head.append(0x80 | n)
    elif n < 65536:
        head.append(0x80 | 126)
        head += struct.pack(">H", n)
    else:
        head.append(0x80 | 127)
        head += struct.pack(">Q", n)
    mask = os.urandom(4)
    head += mask
    # Clients must mask every frame; XOR via big integers is much faster than per byte.
    reps = (n + 3) // 4
    m = int.from_bytes((mask * reps)[:n], "big") if n else 0
    body = (int.from_bytes(payload, "big") ^ m).to_bytes(n, "big") if n else b""
    return bytes(head) + body


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("websocket: connection closed early")
        buf += chunk
    return buf


def upload(url, token, body, chunk_size=65536):
    """Sends `body` as binary message(s) to ws://host:port/path; returns the server's close code."""
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    path = parts.path + ("?" + parts.query if parts.query else "")
    key = base64.b64encode(os.urandom(16)).decode("ascii")
    sock = socket.create_connection((host, port), timeout=30)
    try:
        req = (
            "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nX-Purple-Token: %s\r\n\r\n" % (path, host, port, key, token)
        )
        sock.sendall(req.encode("ascii"))
        resp = b""
        while b"\r\n\r\n" not in resp:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("websocket: no handshake response")
            resp += chunk
        status = resp.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise ConnectionError("websocket: handshake refused: %s" % status.decode("latin-1"))
        accept = base64.b64encode(hashlib.sha1(key.encode("ascii") + _GUID).digest())
        if accept not in resp:
            raise ConnectionError("websocket: bad Sec-WebSocket-Accept")
        # One message, possibly fragmented: first frame binary, then continuation frames.
        chunks = [body[i:i + chunk_size] for i in range(0, len(body), chunk_size)] or [b""]
        for i, c in enumerate(chunks):
            sock.sendall(_frame(0x2 if i == 0 else 0x0, c, fin=(i == len(chunks) - 1)))
        sock.sendall(_frame(0x8, struct.pack(">H", 1000)))
        code = None
        try:
            while True:
                h = _recv_exact(sock, 2)
                n = h[1] & 0x7F
                if n == 126:
                    n = struct.unpack(">H", _recv_exact(sock, 2))[0]
                elif n == 127:
                    n = struct.unpack(">Q", _recv_exact(sock, 8))[0]
                payload = _recv_exact(sock, n) if n else b""
                if h[0] & 0x0F == 0x8:
                    code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
                    break
        except (ConnectionError, socket.timeout):
            pass
        return code
    finally:
        sock.close()
