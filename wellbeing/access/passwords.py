"""Which new passwords are refused, following NIST SP 800-63B (revision 4, section 3.1.1.2).

A password is the only factor here, so it must be at least 15 characters long;
anything up to 256 characters is accepted, spaces included, with no rules on
character classes. It must not be on the list of common passwords shipped
beside this file, nor be such a password with digits or symbols added at either
end ("password1234"), nor be the user name or the product's own name.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

MIN_LENGTH = 15
MAX_LENGTH = 256
LIST_FILE = "common_passwords.txt"
# Words a guesser tries first against this service (NIST: "context-specific words").
CONTEXT_WORDS = ("wellbeing", "dashboard", "workforce", "socialwork", "council")
# Digits and symbols people add at either end of a common word to pass a length rule.
_PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case."""
    text = resources.files("wellbeing.access").joinpath(LIST_FILE).read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line and not line.startswith("#")
    )


def problem(password: str, *, username: str) -> str | None:
    """Why a new password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"The password must be at least {MIN_LENGTH} characters long: try a passphrase."
    if len(password) > MAX_LENGTH:
        return f"The password must be at most {MAX_LENGTH} characters long."
    lowered = password.strip().lower()
    name = username.strip().lower()
    if lowered == name:
        return "The password must not be the user name."
    if len(set(password)) < 5:
        return "The password repeats too few different characters; choose a passphrase."
    squeezed = re.sub(r"\s+", "", lowered)
    core = _PADDING.sub("", squeezed)
    common = common_passwords()
    if squeezed in common or core in common or _is_repeat_of_common(core, common):
        return "That password is one of the most common passwords; choose another passphrase."
    if name and (core == name or name in squeezed and len(squeezed) - len(name) < MIN_LENGTH // 2):
        return "The password is mostly the user name; choose another passphrase."
    if core in CONTEXT_WORDS or any(squeezed.startswith(word * 2) for word in CONTEXT_WORDS):
        return "The password is the name of this service; choose another passphrase."
    return None


def _is_repeat_of_common(text: str, common: frozenset[str]) -> bool:
    """'passwordpassword' or 'qwertyqwertyqwerty': a common password said again."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size] in common or size < 4
    return False
