"""Errors raised when the test infrastructure cannot be brought up."""


class InfrastructureError(RuntimeError):
    """A real component (PostgreSQL, SoftHSM, ...) could not be started."""


class MissingBinaryError(InfrastructureError):
    """A system binary or library is missing; the message names the apt package."""

    def __init__(self, what: str, apt_package: str):
        self.what = what
        self.apt_package = apt_package
        super().__init__(
            f"{what} not found: install it with `apt-get install {apt_package}`"
        )
