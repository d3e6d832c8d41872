"""Text rules every resource shares."""


def clean_name(name: str, what: str = "name") -> str:
    """``name`` with its runs of spaces collapsed and its ends trimmed; a name
    made of spaces only is refused (ValueError)."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ValueError(f"a {what} cannot be empty or made of spaces")
    return cleaned
