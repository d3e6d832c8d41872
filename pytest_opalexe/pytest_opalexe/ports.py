"""Ask the operating system for free TCP ports on the loopback interface."""

import socket

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port that the OS considers free right now on ``host``.

    The socket is closed before returning, so another process could in
    theory grab the port in between: callers that cannot bind port 0
    themselves (e.g. PostgreSQL) should retry on "address in use".
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
