"""How fast documents are sealed on the way in and opened on the way out,
against ``openssl enc -aes-256-ctr | sha256sum`` over the same bytes.

The baseline is what encrypting and hashing a file costs at best: OpenSSL's
AES-CTR and a SHA-256 in two processes of a pipe (``openssl enc`` has no GCM
mode). Measured in the same run, over the same file (in the page cache for
every reader):

* upload — the server's work for an upload, as :mod:`opalexe_core.services.uploads`
  does it for each chunk: read 16 MiB chunks, seal them in AES-256-GCM
  segments, hash them (SHA-256), write and fsync the sealed data, then
  finish (the SHA-256 of the whole);
* download — reading the sealed file back, one segment at a time, each
  authenticated by its GCM tag (no separate hash).

Prints each throughput and its ratio to the baseline's. The aim: upload at
least 0.7, download at least 1.0. The document key is wrapped by a SoftHSM2
token of the benchmark's own (the ``softhsm2`` package).

    .venv/bin/python bench/upload.py [--mib 512]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime

from opalexe_core.keystore import KeyStore, PKCS11Settings
from opalexe_core.services import keys
from opalexe_core.services.sealing import Opener, plaintext_range, read_header
from opalexe_core.services.uploads import UploadSpool
from pytest_opalexe.softhsm import SoftHSMToken

CHUNK = 16 * 1024 * 1024


def make_file(path: str, mib: int) -> None:
    block = os.urandom(1024 * 1024)
    with open(path, "wb") as out:
        out.write(b"%PDF-1.4\n")
        for index in range(mib):
            out.write(block[index % 256:] + block[:index % 256])  # no two MiB alike


def baseline(path: str) -> float:
    key, iv = os.urandom(32).hex(), os.urandom(16).hex()
    start = time.perf_counter()
    subprocess.run(f"openssl enc -aes-256-ctr -K {key} -iv {iv} -in {path} | sha256sum > /dev/null",
                   shell=True, check=True)  # noqa: S602 - a fixed pipeline of our own
    return time.perf_counter() - start


def upload(spool: UploadSpool, path: str, size: int) -> tuple[float, object]:
    start = time.perf_counter()
    upload = spool.create(account_id="bench", expertise_id="bench", folder_path=("bench",), filename="bench.pdf",
                          length=size, nature="document", replaces=None, now=datetime.now(UTC))
    offset = 0
    with open(path, "rb") as source:
        while offset < size:
            length = min(CHUNK, size - offset)
            offset = spool.append(upload, offset, source.read, length)
    spool.finish(upload)
    return time.perf_counter() - start, upload


def download(spool: UploadSpool, upload) -> float:
    start = time.perf_counter()
    key = spool.key(upload)
    with open(spool.data_path(upload), "rb") as sealed:
        opener = Opener(key, read_header(sealed, upload.length, upload.file_id))
        for _segment in plaintext_range(sealed, opener):
            pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=512, help="size of the file, in MiB (default 512)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="opalexe-bench-")
    try:
        path = os.path.join(folder, "document.pdf")
        make_file(path, args.mib)
        size = os.path.getsize(path)
        with SoftHSMToken(label="bench") as token:
            store = KeyStore(PKCS11Settings(token.module_path, token.label, token.pin))
            keys.ensure_master_key(store)
            spool = UploadSpool(os.path.join(folder, "uploads"), store)
            base = baseline(path)
            up, sent = upload(spool, path, size)
            down = download(spool, sent)
        mib = size / 1024 / 1024
        print(f"{mib:.0f} MiB, the same bytes for each")
        print(f"  openssl enc -aes-256-ctr | sha256sum  {mib / base:8.1f} MiB/s  (baseline)")
        print(f"  upload (seal + SHA-256 + fsync)       {mib / up:8.1f} MiB/s  ratio {base / up:.2f}  (aim >= 0.7)")
        print(f"  download (open, GCM-authenticated)    {mib / down:8.1f} MiB/s  ratio {base / down:.2f}  (aim >= 1.0)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
