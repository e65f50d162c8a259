"""Certificate codes as people handle them: printed in groups, typed back in any form.

Codes are made by app.progress.certificates.new_code (20 base32 characters, 100 bits). A code
is printed in groups of five (ABCDE-FGHIJ-KLMNO-PQRST) and looked up however it comes back:
lower case, with spaces or hyphens, or with the digits people write for the letters they look
like (0 for O, 1 for I, 8 for B: base32 has none of those digits).
"""

from __future__ import annotations

GROUP = 5
# The longest text a lookup reads: a pasted code with separators fits, a page of junk is cut.
MAX_TYPED = 64
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_SEPARATORS = str.maketrans("", "", " -_\t.\u00a0\u3000")


def grouped(code: str) -> str:
    """The code as printed: groups of five joined by hyphens."""
    return "-".join(code[start : start + GROUP] for start in range(0, len(code), GROUP))


def normalise(typed: str) -> str:
    """The code a typed text means: separators dropped, upper case, look-alike digits read as
    the letters they stand for. It is not checked further: a lookup of a malformed code finds
    nothing, in the same time as one of an unknown code (app.certificates.verify)."""
    return typed[:MAX_TYPED].translate(_SEPARATORS).upper().translate(_LOOKALIKES)
