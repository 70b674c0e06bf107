"""ISBNs as the trade uses them: ISBN-13 (the 978 and 979 "Bookland" prefixes), checked and
hyphenated with python-stdnum, whose registration-group ranges come from the International
ISBN Agency."""

from __future__ import annotations

from stdnum import ean
from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError


def parse(value) -> str:
    """'978-1-4028-9462-6' (or the digits, or a YAML number) -> '9781402894626'.

    ValueError says what was expected, and for a wrong check digit which digit is right."""
    text = str(value).strip()
    digits = stdnum_isbn.compact(text)
    if len(digits) == 10 and digits[:9].isdigit():
        try:
            hint = f"; its ISBN-13 is {hyphenated(stdnum_isbn.to_isbn13(stdnum_isbn.validate(digits)))}"
        except ValidationError:
            hint = ", and its check digit is wrong"
        raise ValueError(f"expected an ISBN-13 (the trade's only form since 2007), got the "
                         f"ISBN-10 {text!r}{hint}")
    if len(digits) != 13 or not digits.isdigit():
        raise ValueError(f"expected an ISBN-13 of 13 digits like 978-1-4028-9462-6, got {text!r}")
    if not digits.startswith(("978", "979")):
        raise ValueError(f"expected an ISBN-13 beginning 978 or 979, got {text!r}")
    expected = ean.calc_check_digit(digits[:12])
    if digits[12] != expected:
        raise ValueError(f"the check digit of {text!r} is wrong: expected {expected}, got "
                         f"{digits[12]} (or another digit is mistyped: compare it with the ISBN "
                         "agency's record)")
    return digits


def hyphenated(digits: str) -> str:
    """'9781402894626' -> '978-1-4028-9462-6', by the registration-group ranges."""
    return stdnum_isbn.format(digits)
