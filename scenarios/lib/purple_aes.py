"""Pure-Python AES (FIPS-197) with CBC/PKCS#7 and CTR, plus the OpenSSL `enc -pbkdf2` container.

Written for the harness so that the "pure-Python AES" route needs nothing beyond the standard
library. Table-driven (T-tables) to keep a few hundred KiB of canary data within a second or two.
Not constant-time: it only ever encrypts generated canary data.
"""

import hashlib
import os
import struct


def _xtime(a):
    a <<= 1
    return (a ^ 0x11B) if a & 0x100 else a


def _gmul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a = _xtime(a)
        b >>= 1
    return r


def _build_sbox():
    # Multiplicative inverse in GF(2^8) followed by the affine transform of the standard.
    inv = [0] * 256
    for x in range(1, 256):
        for y in range(1, 256):
            if _gmul(x, y) == 1:
                inv[x] = y
                break
    sbox = []
    for x in range(256):
        b = inv[x]
        s = b
        for i in range(1, 5):
            s ^= ((b << i) | (b >> (8 - i))) & 0xFF
        sbox.append(s ^ 0x63)
    return sbox


SBOX = _build_sbox()


def _ror(w, n):
    return ((w >> n) | (w << (32 - n))) & 0xFFFFFFFF


_TE0 = [(_gmul(s, 2) << 24) | (s << 16) | (s << 8) | _gmul(s, 3) for s in SBOX]
_TE1 = [_ror(w, 8) for w in _TE0]
_TE2 = [_ror(w, 16) for w in _TE0]
_TE3 = [_ror(w, 24) for w in _TE0]


def expand_key(key):
    """Round keys as 32-bit words (4 per round)."""
    nk = len(key) // 4
    if len(key) not in (16, 24, 32):
        raise ValueError("AES key must be 16, 24 or 32 bytes")
    rounds = nk + 6
    w = list(struct.unpack(">%dI" % nk, key))
    rcon = 1
    for i in range(nk, 4 * (rounds + 1)):
        t = w[i - 1]
        if i % nk == 0:
            t = ((t << 8) & 0xFFFFFFFF) | (t >> 24)
            t = (SBOX[t >> 24] << 24) | (SBOX[(t >> 16) & 255] << 16) | (SBOX[(t >> 8) & 255] << 8) | SBOX[t & 255]
            t ^= rcon << 24
            rcon = _xtime(rcon)
        elif nk > 6 and i % nk == 4:
            t = (SBOX[t >> 24] << 24) | (SBOX[(t >> 16) & 255] << 16) | (SBOX[(t >> 8) & 255] << 8) | SBOX[t & 255]
        w.append(w[i - nk] ^ t)
    return w, rounds


def encrypt_block(rk, rounds, block):
    s0, s1, s2, s3 = struct.unpack(">4I", block)
    s0 ^= rk[0]
    s1 ^= rk[1]
    s2 ^= rk[2]
    s3 ^= rk[3]
    te0, te1, te2, te3 = _TE0, _TE1, _TE2, _TE3
    k = 4
    for _ in range(rounds - 1):
        t0 = te0[s0 >> 24] ^ te1[(s1 >> 16) & 255] ^ te2[(s2 >> 8) & 255] ^ te3[s3 & 255] ^ rk[k]
        t1 = te0[s1 >> 24] ^ te1[(s2 >> 16) & 255] ^ te2[(s3 >> 8) & 255] ^ te3[s0 & 255] ^ rk[k + 1]
        t2 = te0[s2 >> 24] ^ te1[(s3 >> 16) & 255] ^ te2[(s0 >> 8) & 255] ^ te3[s1 & 255] ^ rk[k + 2]
        t3 = te0[s3 >> 24] ^ te1[(s0 >> 16) & 255] ^ te2[(s1 >> 8) & 255] ^ te3[s2 & 255] ^ rk[k + 3]
        s0, s1, s2, s3 = t0, t1, t2, t3
        k += 4
    sb = SBOX
    out = []
    for a, b, c, d, r in ((s0, s1, s2, s3, rk[k]), (s1, s2, s3, s0, rk[k + 1]), (s2, s3, s0, s1, rk[k + 2]), (s3, s0, s1, s2, rk[k + 3])):
        out.append(((sb[a >> 24] << 24) | (sb[(b >> 16) & 255] << 16) | (sb[(c >> 8) & 255] << 8) | sb[d & 255]) ^ r)
    return struct.pack(">4I", *out)


def pkcs7_pad(data):
    n = 16 - len(data) % 16
    return data + bytes([n]) * n


def cbc_encrypt(key, iv, plaintext):
    rk, rounds = expand_key(key)
    data = pkcs7_pad(plaintext)
    prev = iv
    out = bytearray()
    for i in range(0, len(data), 16):
        block = bytes(a ^ b for a, b in zip(data[i:i + 16], prev))
        prev = encrypt_block(rk, rounds, block)
        out += prev
    return bytes(out)


def ctr_encrypt(key, iv, plaintext):
    """CTR with the whole 16-byte IV as a big-endian counter, as OpenSSL does."""
    rk, rounds = expand_key(key)
    counter = int.from_bytes(iv, "big")
    out = bytearray()
    for i in range(0, len(plaintext), 16):
        ks = encrypt_block(rk, rounds, (counter & ((1 << 128) - 1)).to_bytes(16, "big"))
        chunk = plaintext[i:i + 16]
        out += bytes(a ^ b for a, b in zip(chunk, ks))
        counter += 1
    return bytes(out)


PBKDF2_ITERATIONS = 10000


def openssl_pbkdf2_params(passphrase, salt, key_len):
    """key and iv as `openssl enc -pbkdf2` derives them (PBKDF2-HMAC-SHA256, 10000 iterations)."""
    dk = hashlib.pbkdf2_hmac("sha256", passphrase, salt, PBKDF2_ITERATIONS, key_len + 16)
    return dk[:key_len], dk[key_len:]


def openssl_enc_cbc_pbkdf2(passphrase, plaintext, salt=None):
    """Byte-compatible with `openssl enc -aes-256-cbc -pbkdf2 -salt -pass file:…`."""
    salt = os.urandom(8) if salt is None else salt
    key, iv = openssl_pbkdf2_params(passphrase, salt, 32)
    return b"Salted__" + salt + cbc_encrypt(key, iv, plaintext)


def openssl_enc_ctr_pbkdf2(passphrase, plaintext, salt=None):
    """Byte-compatible with `openssl enc -aes-128-ctr -pbkdf2 -salt -pass file:…`."""
    salt = os.urandom(8) if salt is None else salt
    key, iv = openssl_pbkdf2_params(passphrase, salt, 16)
    return b"Salted__" + salt + ctr_encrypt(key, iv, plaintext)
