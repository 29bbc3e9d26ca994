"""Checksum and structure validators used by the detector table.

Every validator takes the candidate text a detector's regex matched and
answers whether it really is an instance of its entity type. They are pure,
stdlib-only and run in time linear in the (already length-bounded) candidate.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping

_NON_DIGITS = re.compile(r"\D")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def _digits(candidate: str) -> str:
    return _NON_DIGITS.sub("", candidate)


def _separators(candidate: str) -> set[str]:
    return {char for char in candidate if not char.isalnum()}


def passes_luhn(number: str) -> bool:
    """ISO/IEC 7812 Luhn check over the digits of ``number``."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)  # int(), not ord(): regex \d also matches non-ASCII digits
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def is_credit_card(candidate: str) -> bool:
    digits = _digits(candidate)
    if not 12 <= len(digits) <= 19 or len(_separators(candidate)) > 1:
        return False
    # 0/7/8/9 prefixes are not payment-card issuers; 13-digit numbers starting
    # with 1 are far more likely epoch-millisecond timestamps than cards.
    if digits[0] in "0789" or (len(digits) == 13 and digits[0] == "1"):
        return False
    return len(set(digits)) > 1 and passes_luhn(digits)


# ISO 13616 IBAN lengths per country (SWIFT IBAN registry).
IBAN_LENGTHS: Mapping[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16,
    "BG": 22, "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22,
    "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20,
    "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22,
    "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21,
    "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30,
    "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26,
    "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}


def is_iban(candidate: str) -> bool:
    compact = _NON_ALNUM.sub("", candidate)
    if IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    # int(char, 36) maps 0-9 to themselves and A-Z to 10-35, as ISO 7064 wants.
    as_number = "".join(str(int(char, 36)) for char in rearranged)
    return int(as_number) % 97 == 1


def is_ipv4(candidate: str) -> bool:
    address, _, prefix = candidate.partition("/")
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return not prefix or int(prefix) <= 32


def is_ipv6(candidate: str) -> bool:
    address, _, prefix = candidate.partition("/")
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return not prefix or int(prefix) <= 128


def is_mac_address(candidate: str) -> bool:
    hex_digits = _NON_ALNUM.sub("", candidate).upper()
    return hex_digits not in ("000000000000", "FFFFFFFFFFFF")


# Numbers the SSA has publicly voided (advertising / specimen cards).
_VOIDED_SSNS = frozenset({"078051120", "219099999", "123456789"})


def is_us_ssn(candidate: str) -> bool:
    digits = _digits(candidate)
    if len(digits) != 9 or len(_separators(candidate)) > 1:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return digits not in _VOIDED_SSNS and len(set(digits)) > 1


def has_consistent_separators(candidate: str) -> bool:
    return len(_separators(candidate)) <= 1


def is_aba_routing_number(candidate: str) -> bool:
    digits = _digits(candidate)
    if len(digits) != 9:
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def is_uk_nhs_number(candidate: str) -> bool:
    digits = _digits(candidate)
    if len(digits) != 10 or len(_separators(candidate)) > 1:
        return False
    remainder = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = (11 - remainder) % 11
    return check != 10 and check == int(digits[9])


def is_uk_driving_licence(candidate: str) -> bool:
    compact = _NON_ALNUM.sub("", candidate)
    birth_digits = compact[5:11]
    month, day = int(birth_digits[1:3]), int(birth_digits[3:5])
    # Women's licences add 50 to the month.
    return (1 <= month <= 12 or 51 <= month <= 62) and 1 <= day <= 31


_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: index for index, char in enumerate(_BASE58_ALPHABET)}


def is_base58check_bitcoin_address(candidate: str) -> bool:
    value = 0
    for char in candidate:
        value = value * 58 + _BASE58_INDEX[char]
    leading_zero_bytes = len(candidate) - len(candidate.lstrip("1"))
    body = value.to_bytes((value.bit_length() + 7) // 8, "big")
    raw = b"\x00" * leading_zero_bytes + body
    if len(raw) != 25 or raw[0] not in (0x00, 0x05):
        return False
    payload, checksum = raw[:-4], raw[-4:]
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] == checksum


_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_BECH32_CONSTANT = 1
_BECH32M_CONSTANT = 0x2BC830A3


def _bech32_polymod(values: list[int]) -> int:
    checksum = 1
    for value in values:
        top = checksum >> 25
        checksum = (checksum & 0x1FFFFFF) << 5 ^ value
        for bit, generator in enumerate(_BECH32_GENERATOR):
            if (top >> bit) & 1:
                checksum ^= generator
    return checksum


def is_bech32_bitcoin_address(candidate: str) -> bool:
    if candidate != candidate.lower() and candidate != candidate.upper():
        return False
    hrp, _, data_part = candidate.lower().rpartition("1")
    if hrp != "bc" or len(data_part) < 7:
        return False
    data = [_BECH32_CHARSET.index(char) for char in data_part]
    expanded_hrp = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    constant = _bech32_polymod(expanded_hrp + data)
    # Witness v0 uses bech32 (BIP 173); v1+ uses bech32m (BIP 350).
    expected = _BECH32_CONSTANT if data[0] == 0 else _BECH32M_CONSTANT
    return constant == expected


def is_bitcoin_address(candidate: str) -> bool:
    if candidate[:3].lower() == "bc1":
        return is_bech32_bitcoin_address(candidate)
    return is_base58check_bitcoin_address(candidate)


_PHONE_EXTENSION = re.compile(r"(?i)[ \t]?(?:x|ext\.?|extension)[ \t]?\d+$")


def _phone_digit_count(candidate: str) -> int:
    return len(_digits(_PHONE_EXTENSION.sub("", candidate)))


def is_international_phone_number(candidate: str) -> bool:
    """E.164 allows at most 15 digits; fewer than 8 is not a reachable number."""
    return 8 <= _phone_digit_count(candidate) <= 15


def is_trunk_prefixed_phone_number(candidate: str) -> bool:
    """National numbers dialled with a leading 0 have 9-12 digits in practice."""
    return 9 <= _phone_digit_count(candidate) <= 12


def is_plausible_numeric_date(candidate: str) -> bool:
    parts = [int(number) for number in re.findall(r"\d+", candidate)]
    if len(parts) != 3:
        return True  # forms with a month name are range-checked by the regex
    if parts[0] > 31:  # year-month-day
        _, month, day = parts
        return 1 <= month <= 12 and 1 <= day <= 31
    first, second, _ = parts
    day_month = 1 <= first <= 31 and 1 <= second <= 12
    month_day = 1 <= first <= 12 and 1 <= second <= 31
    return day_month or month_day


_RESERVED_TWITTER_WORDS = ("twitter", "admin")


def is_twitter_handle(candidate: str) -> bool:
    lowered = candidate.lower()
    return not any(word in lowered for word in _RESERVED_TWITTER_WORDS)


# Words that follow "password"/"login" in prose or SQL rather than a value.
_CREDENTIAL_STOPWORDS = frozenset(
    """
    a an and as at attempt authentication be by can cannot change changed
    column did does error expired failed field for from has hash have if in
    incorrect invalid is length manager may mismatch must not null of on or
    page please policy protected required reset select should succeeded
    successful text the timeout to too type varchar was were where will with
    """.split()
)


def is_credential_value(candidate: str) -> bool:
    word = candidate.strip("'\"").rstrip(":.!?").lower()
    return word not in _CREDENTIAL_STOPWORDS


def has_plausible_host(candidate: str) -> bool:
    """A URL must name a dotted host or an IP literal (``http://intranet`` is not)."""
    rest = candidate.split("://", 1)[-1]
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1]
    if authority.startswith("["):
        return True  # bracketed IPv6 literal
    labels = authority.split(":", 1)[0].split(".")
    if labels[0].lower() == "www":
        return len(labels) >= 3 and all(labels)
    return len(labels) >= 2 and all(labels)
