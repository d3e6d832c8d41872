"""Debian's nginx serving the shipped ``etc/nginx/opalexe.conf`` in front of
a test application, with throwaway certificates: a site CA and a card from
another CA, as a card provider's would be.

The very file is used: its paths, ports and upstream servers are rewritten to
throwaway ones (a CA, certificates and folders in a temp dir, free ports);
:func:`render_site` fails if one of the rewritten values is no longer found
in the shipped file. Its ``server_name`` is kept: the site certificate names
it, and :func:`https_connection` reaches nginx on loopback under that name
(TLS server name and ``Host``), as a browser would. Fixtures:
``nginx_certificates`` in :mod:`.infra`.
"""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .checkout import etc_file
from .errors import MissingBinaryError
from .ports import LOOPBACK, free_port

SITE_CONF = etc_file("nginx", "opalexe.conf")
MIME_TYPES = Path("/etc/nginx/mime.types")
START_SECONDS = 10
PORT_ATTEMPTS = 3
SHIPPED_UPSTREAMS = 4  # the application processes of the shipped config
#: The pools listing them: ``opalexe`` and ``opalexe_uploads`` (the chunks of
#: one upload to one process), each with the same servers in the same order.
SHIPPED_POOLS = 2
#: The shipped ``server_name``, which the tests keep; nginx answers no other name.
SERVER_NAME = "opalexe.example.org"


# -- throwaway certificates -------------------------------------------------------


@dataclass
class Identity:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def write(self, cert_path: Path, key_path: Path | None = None) -> None:
        cert_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        if key_path is not None:
            key_path.write_bytes(
                self.key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )


def _certificate(subject: str, key, issuer: Identity | None, extensions: list) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(issuer.key if issuer else key, hashes.SHA256())


def make_ca(name: str) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    return Identity(_certificate(name, key, None, [(x509.BasicConstraints(ca=True, path_length=None), True)]), key)


def issue(ca: Identity, name: str, *, server: bool) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    extensions = [(x509.BasicConstraints(ca=False, path_length=None), True), (x509.ExtendedKeyUsage([usage]), False)]
    if server:
        names = [x509.DNSName(SERVER_NAME), x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
        extensions.append((x509.SubjectAlternativeName(names), False))
    return Identity(_certificate(name, key, ca, extensions), key)


@dataclass
class Certificates:
    """The site's certificate (in the folder the config reads) and a card."""

    tls_dir: Path
    server_ca: Path
    card: Identity
    card_cert: Path
    card_key: Path


def make_certificates(directory: Path) -> Certificates:
    tls_dir = directory / "tls"
    tls_dir.mkdir()
    site_ca = make_ca("Throwaway site CA")
    site_ca.write(directory / "site-ca.pem")
    issue(site_ca, "localhost", server=True).write(tls_dir / "fullchain.pem", tls_dir / "privkey.pem")
    # The card comes from another CA, unknown to nginx, as a provider's would.
    card = issue(make_ca("Throwaway card provider CA"), "Jean MARTIN", server=False)
    card.write(directory / "card.pem", directory / "card.key")
    return Certificates(tls_dir, directory / "site-ca.pem", card, directory / "card.pem", directory / "card.key")


# -- the configuration, rewritten for the test --------------------------------------


def _replace(text: str, pattern: str, replacement, expected: int) -> str:
    """re.sub that fails loudly when the shipped file no longer matches."""
    text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert count == expected, f"{SITE_CONF.name}: expected {expected} match(es) of {pattern!r}, found {count}"
    return text


Upstream = int | str | Path


def upstream_ports(upstream: Upstream | Sequence[Upstream]) -> tuple[Upstream, ...]:
    """One upstream or several, as a tuple: a TCP port on 127.0.0.1, or the
    path of a Unix socket (as production runs the processes)."""
    # A port may come as a string (waitress's effective_port is one): still one port.
    return (upstream,) if isinstance(upstream, int | str | Path) else tuple(upstream)


def upstream_server(upstream: Upstream) -> str:
    """The ``server`` line of the upstream block for a port or a socket path."""
    if isinstance(upstream, Path) or (isinstance(upstream, str) and upstream.startswith("/")):
        return f"server unix:{upstream};"
    return f"server {LOOPBACK}:{upstream};"


def render_site(
    *, tls_dir: Path, srv_dir: Path, log_dir: Path, https_port: int, http_port: int,
    upstream: Upstream | Sequence[Upstream], server_name: str = SERVER_NAME,
) -> str:
    """etc/nginx/opalexe.conf with its real paths and ports swapped for throwaway ones.

    ``upstream``: the port or Unix socket of the application process, or those
    of several; they take the place of the shipped upstream servers (Unix
    sockets in ``/run/opalexe/``), in order, in each
    pool, and the shipped servers left over
    are commented out.
    """
    text = re.sub(r"^\s*#.*\n", "", SITE_CONF.read_text(), flags=re.MULTILINE)  # count directives only
    text = _replace(text, r"/etc/opalexe/tls/", f"{tls_dir}/", 2)
    text = _replace(text, r"/srv/opalexe/", f"{srv_dir}/", 2)
    text = _replace(text, r"/var/log/nginx/", f"{log_dir}/", 4)
    text = _replace(text, r"^\s*listen \[::\]:\d+.*;\n", "", 4)  # IPv6 may be absent here
    # The site and the default server (which answers no other name) of each port.
    text = _replace(text, r"listen 443 ", f"listen {LOOPBACK}:{https_port} ", 2)
    text = _replace(text, r"listen 80\b", f"listen {LOOPBACK}:{http_port}", 2)
    # Kept (counted), or another name the site certificate holds (``localhost``:
    # a client that resolves names itself, as Playwright's certificate proxy).
    text = _replace(text, rf"server_name {re.escape(SERVER_NAME)};", f"server_name {server_name};", 2)
    ports = upstream_ports(upstream)
    assert 1 <= len(ports) <= SHIPPED_UPSTREAMS, f"{len(ports)} upstream port(s): from 1 to {SHIPPED_UPSTREAMS}"
    servers = [upstream_server(port) for port in ports]
    servers += ["# (a process not started in the test)"] * (SHIPPED_UPSTREAMS - len(servers))
    each_pool = iter(servers * SHIPPED_POOLS)
    return _replace(
        text,
        r"server unix:/run/opalexe/\d+\.sock;",
        lambda _match: next(each_pool),
        SHIPPED_UPSTREAMS * SHIPPED_POOLS,
    )


def render_main(prefix: Path, site: Path) -> str:
    """A minimal nginx.conf that keeps everything in ``prefix``."""
    temp = prefix / "temp"
    # Workers run as `nobody` when the master is root; tmp_path is private to root.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    access_log {prefix}/logs/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site};
}}
"""


def find_nginx() -> str:
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if nginx is None or not MIME_TYPES.exists():
        raise MissingBinaryError("nginx", "nginx")
    return nginx


class Nginx:
    """Debian's nginx in the foreground, everything under ``prefix``."""

    def __init__(self, prefix: Path, certificates: Certificates, static_dir: Path,
                 upstream: Upstream | Sequence[Upstream], server_name: str = SERVER_NAME):
        self.nginx = find_nginx()
        self.server_name = server_name
        self.prefix = prefix
        self.certificates = certificates
        self.static_dir = static_dir
        self.upstreams = upstream_ports(upstream)
        self.conf = prefix / "nginx.conf"
        self.process: subprocess.Popen | None = None
        self.https_port = self.http_port = 0
        for folder in ("logs", "temp"):
            (prefix / folder).mkdir(parents=True, exist_ok=True)

    def configure(self) -> None:
        self.https_port, self.http_port = free_port(), free_port()
        site = self.prefix / "opalexe.conf"
        site.write_text(
            render_site(
                tls_dir=self.certificates.tls_dir,
                srv_dir=self.static_dir,
                log_dir=self.prefix / "logs",
                https_port=self.https_port,
                http_port=self.http_port,
                upstream=self.upstreams,
                server_name=self.server_name,
            )
        )
        self.conf.write_text(render_main(self.prefix, site))

    def command(self, *args: str) -> list[str]:
        return [self.nginx, "-p", f"{self.prefix}/", "-c", str(self.conf), *args]

    def check(self) -> subprocess.CompletedProcess:
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)

    def error_log(self) -> str:
        try:
            return (self.prefix / "logs" / "error.log").read_text(errors="replace")[-4000:]
        except OSError:
            return "(no error log)"

    def start(self) -> Nginx:
        for _attempt in range(PORT_ATTEMPTS):
            self.configure()
            checked = self.check()
            assert checked.returncode == 0, checked.stderr
            self.process = subprocess.Popen(
                self.command("-g", "daemon off;"),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_until_listening():
                return self
            self.stop()
            if "address already in use" not in self.error_log().lower():
                break  # not a port race: retrying would not help
        raise AssertionError(f"nginx did not start:\n{self.error_log()}")

    def _wait_until_listening(self) -> bool:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with socket.create_connection((LOOPBACK, self.https_port), timeout=1):
                    with socket.create_connection((LOOPBACK, self.http_port), timeout=1):
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        """The body of a 200 answer, as JSON."""
        assert self.status == 200, self.body
        return json.loads(self.body)


class SiteConnection(http.client.HTTPConnection):
    """HTTPS to nginx on loopback under the name ``host``: the TLS server name
    (none for an IP address, as browsers do) and the ``Host`` header, without
    asking DNS for it."""

    default_port = 443

    def __init__(self, host: str, port: int, context: ssl.SSLContext, timeout: float = 10):
        super().__init__(host, port, timeout=timeout)
        self.context = context

    def connect(self) -> None:
        raw = socket.create_connection((LOOPBACK, self.port), self.timeout)
        try:
            self.sock = self.context.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def https_connection(
    site: Nginx, certificates: Certificates, *, card: bool = False, server_name: str = SERVER_NAME,
    client: tuple[Path, Path] | None = None,
) -> SiteConnection:
    """A connection to the site's HTTPS port as to ``server_name`` (the site's
    by default), trusting the site CA; with the kit's card if ``card``, or
    with the certificate (chain) and key files ``client`` (a card of
    :mod:`.pki`: ``(card.chain_path, card.key_path)``)."""
    context = ssl.create_default_context(cafile=str(certificates.server_ca))
    if card:
        context.load_cert_chain(str(certificates.card_cert), str(certificates.card_key))
    elif client is not None:
        context.load_cert_chain(str(client[0]), str(client[1]))
    return SiteConnection(server_name, site.https_port, context)


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket (``path``), as nginx reaches the application."""

    def __init__(self, path: str | Path, timeout: float = 10):
        super().__init__("localhost", timeout=timeout)
        self.path = str(path)

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


def https_get(
    site: Nginx, certificates: Certificates, path: str = "/", *, card: bool, headers=(), server_name: str = SERVER_NAME
) -> Answer:
    return request(https_connection(site, certificates, card=card, server_name=server_name), path, headers)


def request(connection, path: str, headers=(), *, method: str = "GET", body: bytes | None = None) -> Answer:
    """GET ``path`` (or ``method`` it with ``body``) on ``connection`` with
    ``headers`` (name, value) pairs, sent as given: the same name may come
    twice, ``Host`` may be forged."""
    try:
        connection.putrequest(method, path, skip_host=any(name.lower() == "host" for name, _ in headers))
        for name, value in headers:  # pairs: the same name may come twice
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


