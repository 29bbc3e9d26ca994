"""The declarative table of PII / secret detectors.

Each row says *what* to find (entity type, regex, optional validator and
optional context keyword); ``redactor`` decides *how* to apply them. Rows are
ordered from most to least specific: when two findings overlap, the earlier
row wins, unless the later finding strictly contains the earlier one (then
nothing the earlier one found would be left visible, so the container wins).

Regex rules, because input is untrusted and may be megabytes long: every
repetition is bounded, digit/letter runs that feed a boundary check are
possessive (``{m,n}+``) so a failed boundary never backtracks through them,
and every pattern opens with a look-behind (or a ``\\b`` / ``^`` anchor) that
rejects starts in the middle of a token, so a long run of one character costs
one attempt, not one per position.
"""

from __future__ import annotations

import re

from lineage_stream.redaction import validators as v
from lineage_stream.redaction.detector import Detector
from lineage_stream.redaction.secrets import SECRET_DETECTORS


def _iban_pattern() -> re.Pattern[str]:
    """Country-exact IBAN shapes, so trailing text is never swallowed."""
    countries_by_length: dict[int, list[str]] = {}
    for country, length in v.IBAN_LENGTHS.items():
        countries_by_length.setdefault(length, []).append(country)
    branches = []
    for length, countries in sorted(countries_by_length.items()):
        full_groups, remainder = divmod(length - 4, 4)
        body = rf"(?:[ \-]?[A-Z0-9]{{4}}){{{full_groups}}}"
        if remainder:
            body += rf"[ \-]?[A-Z0-9]{{{remainder}}}"
        branches.append(rf"(?:{'|'.join(sorted(countries))})\d{{2}}{body}")
    return re.compile(
        rf"(?<![A-Za-z0-9])(?=[A-Z]{{2}}\d{{2}})(?:{'|'.join(branches)})(?![A-Za-z0-9])"
    )


# A value after a credential keyword: quoted (may hold spaces) or bare.
_VALUE = r"""["']?(?P<pii>(?<=["'])[^"'\n]{1,256}(?=["'])|[^\s"',;&()<>]{1,256})"""
_SECRET_WORDS = (
    r"pass(?:word|wd)|pwd|pw|secret|client[_-]?secret|token|access[_-]?token"
    r"|auth[_-]?token|api[_-]?key|apikey|access[_-]?key(?:[_-]?id)?"
    r"|secret[_-]?access[_-]?key|private[_-]?key|user(?:[_-]?name)?|login"
)
_URI_SECRET_PARAMETERS = (
    r"user|username|uid|password|passwd|pwd|pass|secret|token|access_token"
    r"|api_?key|sig|x-amz-signature|x-amz-credential|x-amz-security-token"
)

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_YEAR = r"(?:19|20)\d{2}"
_PHONE_CHUNK = r"(?:\(\d{1,5}+\)|\d{1,14}+)"
_PHONE_EXTENSION = r"(?:[ \t]?(?i:x|ext\.?|extension)[ \t]?\d{1,6}+)?"
_DIGITS_END = r"(?![\w]|[.\-]?\d)"
_BARE_DOMAIN_TLDS = (
    "com|org|net|edu|gov|mil|int|io|co|ai|app|dev|info|biz|me|us|uk|de|fr|es"
    "|it|nl|il|in|jp|cn|ru|br|au|ca|ch|se|no|fi|dk|pl|be|at|eu|ly|tv|site|online"
)
# A capitalized name word ("Jane", "O'Neil", "Smith-Jones"); two to four of them make a name.
_NAME_WORD = r"[A-Z\u00c0-\u00d6\u00d8-\u00de](?:['\u2019][A-Z])?[a-z\u00df-\u00f6\u00f8-\u00ff'\u2019]{1,30}+(?:-[A-Z]?[a-z\u00df-\u00f6\u00f8-\u00ff]{1,30}+)?"
_URL_TAIL = r"""[^\s<>"'`]{0,2047}[^\s<>"'`.,;:!?)]"""


def _context(keywords: str) -> re.Pattern[str]:
    return re.compile(rf"(?i)\b(?:{keywords})\b")


DETECTORS: tuple[Detector, ...] = SECRET_DETECTORS + (
    # --- secrets inside connection strings / URIs -----------------------
    # Azure storage URIs put the container where user info goes (abfss://container@account...).
    Detector("uri_userinfo", "CREDENTIALS_IN_URI", re.compile(
        r"(?<=://)(?<!abfss://)(?<!abfs://)(?<!wasbs://)(?<!wasb://)(?P<pii>[^\s/?#@,;:\[\]]{1,128}(?::[^\s/?#@,;]{0,256})?)@(?=[\w\[(])"), needs="@"),
    Detector("uri_extra_host_userinfo", "CREDENTIALS_IN_URI", re.compile(
        r"(?<=[\w\]],)(?P<pii>[^\s/?#@,;:]{1,128}:[^\s/?#@,;]{0,256})@(?=[\w\[])"), needs="@"),
    Detector("jdbc_oracle_user_password", "CREDENTIALS_IN_URI", re.compile(
        r"(?i)\bjdbc:oracle:[a-z0-9]{1,16}:(?P<pii>[^\s/@:]{1,128}/[^\s@]{1,256})@"), needs="@"),
    Detector("uri_credential_parameter", "CREDENTIALS_IN_URI", re.compile(
        rf"(?i)(?<=[?&;:,(/])(?:{_URI_SECRET_PARAMETERS})=(?P<pii>[^\s&;,)]{{1,256}})")),
    # --- free-text credentials ------------------------------------------
    Detector("json_web_token", "CREDENTIALS", re.compile(
        r"(?<![\w-])eyJ[\w-]{5,4096}+\.eyJ[\w-]{5,4096}+\.[\w-]{5,4096}+")),
    Detector("authorization_scheme_token", "CREDENTIALS", re.compile(
        r"(?i)\b(?:bearer|basic)[ \t]+(?P<pii>[\w.~+/\-]{8,4096}+=*)")),
    Detector("credential_assignment", "CREDENTIALS", re.compile(
        rf"(?i)(?<![\w-])(?:[a-z0-9]{{1,20}}[_-]){{0,3}}(?:{_SECRET_WORDS})"
        rf"""["']?[ \t]{{0,3}}[:=][ \t]{{0,3}}{_VALUE}""")),
    Detector("credential_keyword_value", "CREDENTIALS", re.compile(
        rf"(?i)(?<![\w-])(?:username|login|password|passwd|pwd|pw|identified[ \t]by)"
        rf"[ \t]{{1,3}}{_VALUE}"), v.is_credential_value),
    Detector("credential_line_label", "CREDENTIALS", re.compile(
        r"(?im)^[ \t]{0,8}[up][ \t]?:[ \t]{0,3}(?P<pii>\S{1,256})")),
    # --- checksum- or structure-validated identifiers --------------------
    Detector("email_address", "EMAIL_ADDRESS", re.compile(
        r"(?<![\w.+%-])(?<!://)[A-Za-z0-9][\w.%+-]{0,63}+@"
        r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}"
        r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})(?![\w-]|\.[A-Za-z0-9])"), needs="@"),
    Detector("iban", "IBAN_CODE", _iban_pattern(), v.is_iban, needs="digit"),
    Detector("credit_card", "CREDIT_CARD", re.compile(
        r"(?<![\w-])(?:\d{12,19}+"
        r"|\d{4}(?P<s1>[ -])\d{4}(?P=s1)\d{4}(?P=s1)\d{4}(?:(?P=s1)\d{1,3})?"
        r"|\d{4}(?P<s2>[ -])\d{6}(?P=s2)\d{4,5})(?![\w-])"), v.is_credit_card, needs="digit"),
    Detector("bitcoin_address", "CRYPTO", re.compile(
        r"(?<![\w])(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}+|(?i:bc1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,71}+)"
        r"(?![\w])"), v.is_bitcoin_address, needs="digit"),
    Detector("ipv6_address", "IP_ADDRESS", re.compile(
        r"(?<![\w:.])(?=[0-9A-Fa-f]{0,4}:)[0-9A-Fa-f:]{2,45}+(?:\.\d{1,3}){0,3}+"
        r"(?:%[0-9A-Za-z._~\-]{1,32}+)?(?:/(?:12[0-8]|1[01]\d|[1-9]?\d)(?!\d))?"
        r"(?![\w:]|\.\d)"), v.is_ipv6),
    Detector("ipv4_address", "IP_ADDRESS", re.compile(
        rf"(?<![\w.])(?:{_OCTET}\.){{3}}{_OCTET}(?!\d)(?:/(?:3[0-2]|[12]?\d)(?!\d))?"),
        v.is_ipv4, needs="digit"),
    Detector("mac_address", "MAC_ADDRESS", re.compile(
        r"(?<![\w:.\-])(?:[0-9A-Fa-f]{2}(?P<sep>[:\-])[0-9A-Fa-f]{2}(?:(?P=sep)[0-9A-Fa-f]{2}){4}"
        r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![\w]|[:.\-][0-9A-Fa-f])"),
        v.is_mac_address),
    Detector("uk_driving_licence", "UK_DRIVING_LICENCE", re.compile(
        r"(?<![\w])[A-Z9]{5} ?\d{3} ?\d{3} ?[A-Z9]{2}\d[A-Z0-9]{2}(?: ?\d{2})?(?![\w])"),
        v.is_uk_driving_licence, needs="digit"),
    Detector("uk_national_insurance_number", "UK_NINO", re.compile(
        r"(?i)(?<![\w])(?!BG|GB|NK|KN|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?"
        r"(?:\d{2} ?\d{2} ?\d{2}|\d{3} \d{3}) ?[A-D](?![\w])"), needs="digit"),
    # --- numbers that only mean something next to a keyword --------------
    Detector("us_passport", "US_PASSPORT", re.compile(
        rf"(?<![\w.\-])[A-Z]?\d{{8,9}}{_DIGITS_END}"),
        context=_context("passport"), context_window=40, needs="digit"),
    Detector("us_driver_license", "US_DRIVER_LICENSE", re.compile(
        r"(?<![\w.\-])[A-Z]{0,2}\d{5,14}+[A-Z]{0,2}(?![\w])"),
        context=_context(r"driver'?s?[ \-]?licen[cs]e|DL ?(?:no|number)"), context_window=40, needs="digit"),
    Detector("us_bank_account_number", "US_BANK_NUMBER", re.compile(
        rf"(?<![\w.\-])\d{{8,17}}+{_DIGITS_END}"),
        context=_context(r"bank|account|acct|checking|savings"), context_window=40, needs="digit"),
    Detector("aba_routing_number", "ABA_ROUTING_NUMBER", re.compile(
        rf"(?<![\w.\-])(?:[0-36-8]\d{{8}}|[0-36-8]\d{{3}}-\d{{4}}-\d){_DIGITS_END}"),
        v.is_aba_routing_number, needs="digit"),
    Detector("us_social_security_number", "US_SSN", re.compile(
        rf"(?<![\w.\-])\d{{3}}[-. ]?\d{{2}}[-. ]?\d{{4}}{_DIGITS_END}"), v.is_us_ssn, needs="digit"),
    Detector("us_individual_taxpayer_id", "US_ITIN", re.compile(
        r"(?<![\w.\-])9\d{2}[-. ]?(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])[-. ]?\d{4}"
        rf"{_DIGITS_END}"),
        v.has_consistent_separators, needs="digit"),
    Detector("uk_nhs_number", "UK_NHS", re.compile(
        rf"(?<![\w.\-])\d{{3}}[ \-]?\d{{3}}[ \-]?\d{{4}}{_DIGITS_END}"), v.is_uk_nhs_number, needs="digit"),
    Detector("date_of_birth", "DATE_OF_BIRTH", re.compile(
        rf"(?i)(?<![\w/.\-])(?:on[ \t])?(?:{_DAY}[/.\-]{_DAY}[/.\-]{_YEAR}"
        rf"|{_YEAR}-(?:0?[1-9]|1[0-2])-{_DAY}"
        rf"|{_DAY}(?:st|nd|rd|th)?[ \-]{_MONTH}\.?[ \-,]{{1,2}}{_YEAR}"
        rf"|{_MONTH}\.? {_DAY}(?:st|nd|rd|th)?,? {_YEAR})(?![\w]|[/.\-]\d)"),
        v.is_plausible_numeric_date,
        context=_context(r"born|birth|birthday|dob|d\.o\.b"), context_window=50, needs="digit"),
    # --- telephone numbers: national shapes first, then the generic shapes
    Detector("ph_mobile_number", "PH_MOBILE_NUMBER", re.compile(
        rf"(?<![\w+.\-])(?:\+63[ \-]?|0[ \-]?)(?:\(9\d{{2}}\)|9\d{{2}})[ \-]?\d{{3}}[ \-]?\d{{4}}"
        rf"{_DIGITS_END}"), needs="digit"),
    Detector("tr_phone_number", "TR_PHONE_NUMBER", re.compile(
        r"(?<![\w+.\-])(?:(?:\+90|0)[ .\-]?(?:\([2-5]\d{2}\)|[2-5]\d{2})[ .\-]?\d{3}[ .\-]?\d{2}"
        r"[ .\-]?\d{2}|[2-5]\d{2}(?P<sep>[ .\-]?)\d{3}(?P=sep)\d{2}(?P=sep)\d{2})"
        rf"{_DIGITS_END}"), needs="digit"),
    Detector("international_phone_number", "PHONE_NUMBER", re.compile(
        rf"(?<![\w+.\-])\+\d{{1,3}}+(?:[ \t.\-]{{0,3}}+{_PHONE_CHUNK}){{1,7}}{_PHONE_EXTENSION}"
        r"(?![\w:/])"), v.is_international_phone_number, needs="digit"),
    Detector("north_american_phone_number", "PHONE_NUMBER", re.compile(
        r"(?<![\w+.\-])(?:1[ .\-]?)?(?:\([2-9]\d{2}\)[ .\-]?|[2-9]\d{2}[ .\-])[2-9]\d{2}[ .\-]\d{4}"
        rf"{_PHONE_EXTENSION}(?![\w:/]|[.\-]\d)"), needs="digit"),
    Detector("trunk_prefixed_phone_number", "PHONE_NUMBER", re.compile(
        r"(?<![\w+.\-])(?:\(0\d{1,4}+\)|0\d{1,4}+)(?:[ \t.\-]{1,3}+\d{1,8}+){1,4}"
        rf"{_PHONE_EXTENSION}(?![\w:/])"), v.is_trunk_prefixed_phone_number, needs="digit"),
    Detector("chinese_mobile_number", "PHONE_NUMBER", re.compile(
        r"(?<![\w+.\-])1[3-9]\d{9}(?![\w]|[.\-]?\d)"), needs="digit"),
    Detector("uk_tax_reference_number", "UK_TAX_REFERENCE_NUMBER", re.compile(
        r"(?<![\w])\d{2} ?[A-Z] ?\d{3} ?\d{2}(?![\w])"), needs="digit"),
    # --- handles --------------------------------------------------------
    Detector("skype_username", "SKYPE_USERNAME", re.compile(
        r"(?<![\w.,@\-])(?=[A-Za-z][A-Za-z0-9]{0,30}[._,\-][A-Za-z0-9])"
        r"[A-Za-z][\w.,\-]{4,30}[A-Za-z0-9](?![\w@]|[.,\-][A-Za-z0-9])"),
        context=_context("skype"), context_window=50),
    Detector("twitter_handle", "TWITTER_HANDLE", re.compile(
        r"(?<![\w@.])@\w{1,15}+(?![\w@]|\.[A-Za-z])"), v.is_twitter_handle),
    # --- person names where the text says a person stands ---------------
    Detector("person_before_email", "PERSON", re.compile(
        rf"(?<![\w])(?P<pii>{_NAME_WORD}(?:[ \t]{{1,2}}{_NAME_WORD}){{1,3}})[ \t]{{0,2}}[<(][\w.%+\-]{{1,64}}@"), needs="@"),
    Detector("person_in_role", "PERSON", re.compile(
        rf"(?i:\b(?:owners?|owned[ \t]by|authors?|authored[ \t]by|written[ \t]by|maintainers?"
        rf"|maintained[ \t]by|contact|created[ \t]by|assignee|reviewed[ \t]by|approved[ \t]by"
        rf"|requested[ \t]by|on[ \t]behalf[ \t]of|steward))[ \t]{{0,3}}[:=\-]?[ \t]{{0,3}}"
        rf"(?P<pii>{_NAME_WORD}(?:[ \t]{_NAME_WORD}){{1,3}})(?![\w])")),
    # --- URLs (policy-dependent: lineage namespaces are URLs) ------------
    Detector("url_with_scheme", "URL", re.compile(
        rf"(?i)(?<![\w])(?:https?|ftps?)://{_URL_TAIL}"), v.has_plausible_host),
    Detector("url_www", "URL", re.compile(rf"(?i)(?<![\w.])www\.{_URL_TAIL}"),
             v.has_plausible_host),
    Detector("bare_domain", "URL", re.compile(
        rf"(?i)(?<![\w.@/\-])(?:[a-z0-9](?:[a-z0-9\-]{{0,61}}[a-z0-9])?\.){{1,4}}"
        rf"(?:{_BARE_DOMAIN_TLDS})(?![\w\-]|\.[a-z0-9])(?:/[^\s<>\"'`]{{0,2048}}+)?")),
)

ALL_ENTITY_TYPES: frozenset[str] = frozenset(d.entity_type for d in DETECTORS)

# Detected only when asked for: on lineage metadata these would mostly hit
# things that are not personal data.
OPT_IN_ENTITY_TYPES: frozenset[str] = frozenset({
    "URL",  # producers, schemaURLs and dataset namespaces are URLs
    "TWITTER_HANDLE",  # collides with SQL @variables and @annotations
    "TR_PHONE_NUMBER",  # its bare 10-digit form matches yyyymmddhh partition keys
    "UK_NHS",  # any 10-digit number passes mod 11 roughly one time in eleven
    "ABA_ROUTING_NUMBER",  # any 9-digit number passes its checksum one time in ten
})

DEFAULT_ENTITY_TYPES: frozenset[str] = ALL_ENTITY_TYPES - OPT_IN_ENTITY_TYPES

# Mapping keys whose last words are one of these name a secret, so their whole
# value is hidden: "db_password", "X-Api-Key", "awsSecretAccessKey" and
# "Authorization" match; "max_tokens", "token_count" and "secret_name" do not
# (they describe secrets rather than hold them).
SECRET_KEY_TERMS: tuple[tuple[str, ...], ...] = (
    ("password",),
    ("passwd",),
    ("passphrase",),
    ("secret",),
    ("token",),
    ("api", "key"),
    ("apikey",),
    ("access", "key"),
    ("secret", "key"),
    ("private", "key"),
    ("authorization",),
    ("credentials",),
)
