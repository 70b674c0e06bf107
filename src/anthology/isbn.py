"""ISBNs as the trade uses them: ISBN-13 (the 978 and 979 "Bookland" prefixes), checked and
hyphenated with python-stdnum, whose registration-group ranges come from the International
ISBN Agency; and the 5-digit price code of a US book's barcode."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

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


def digits13(text: str | None) -> str | None:
    """The 13 digits of ``text`` if it is a valid ISBN-13, else None (an ISBN-10 too)."""
    digits = stdnum_isbn.compact(text or "")
    return digits if len(digits) == 13 and stdnum_isbn.is_valid(digits) else None


def is_valid(text: str) -> bool:
    """Whether ``text`` is an ISBN-13 or ISBN-10 (hyphens and spaces allowed), its check digit
    right: what a book's ``identifier`` may print."""
    return stdnum_isbn.is_valid(text)


def price_code(usd_price) -> str:
    """The 5-digit add-on for a US dollar price, by the BISG's Bookland EAN convention
    (Machine-Readable Coding Guidelines for the U.S. Book Industry): "5" (US dollars) and the
    price in cents in four digits, "59999" for $99.99 and above, "90000" for no price."""
    if usd_price is None:
        return "90000"
    try:
        price = Decimal(str(usd_price))
    except InvalidOperation:
        raise ValueError(f"not a price: {usd_price!r}") from None
    if not price.is_finite() or price < 0 or price != price.quantize(Decimal("0.01")):
        raise ValueError(f"not a price in dollars and cents: {usd_price!r}")
    return "59999" if price >= Decimal("99.99") else f"5{int(price * 100):04d}"
