"""Detectors for cloud keys and service tokens, declared as data.

The shapes come from the published rule sets of three well-kept secret scanners, rewritten in the
style of ``detectors.py`` (bounded repetitions, a look-behind that rejects starts inside a token):

- gitleaks, ``cmd/generate/config/rules/`` (https://github.com/gitleaks/gitleaks): ``aws.go``
  (``aws-access-token``), ``gcp.go`` (``gcp-api-key``, ``gcp-service-account-key``), ``azure.go``,
  ``github.go`` (``github-pat``, ``github-fine-grained-pat``, ``github-oauth``, ``github-app-token``,
  ``github-refresh-token``), ``gitlab.go`` (``gitlab-pat`` and the other ``gl*-`` tokens),
  ``slack.go`` (``slack-bot-token``, ``slack-user-token``, ``slack-app-token``,
  ``slack-webhook-url``), ``stripe.go`` (``stripe-access-token``), ``privatekey.go``
  (``private-key``), ``jwt.go``.
- detect-secrets, ``detect_secrets/plugins/`` (https://github.com/Yelp/detect-secrets):
  ``aws.py`` (the secret access key in the context of an ``aws``/``secret`` keyword),
  ``azure_storage_key.py`` (``AccountKey=`` followed by 88 base64 characters), ``private_key.py``.
- trufflehog, ``pkg/detectors/`` (https://github.com/trufflesecurity/trufflehog): ``azure_sas``
  (``sig=`` with ``sv=``/``se=`` beside it: the whole query is the credential).

Every detector here names its own entity type, so a policy can act on each; all are secrets and
are on by default.
"""

from __future__ import annotations

import re

from lineage_stream.redaction.detector import Detector

# Not part of a longer token: secrets sit between quotes, spaces, '=', ':' or punctuation.
_START = r"(?<![A-Za-z0-9_\-])"
_END = r"(?![A-Za-z0-9_\-])"
_PEM_LABEL = r"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----"

def _mixed_case(candidate: str) -> bool:
    """Random base64 keys mix cases; a 40-digit hex commit hash or a word run does not."""
    return any(c.isupper() for c in candidate) and any(c.islower() for c in candidate)


SECRET_DETECTORS: tuple[Detector, ...] = (
    # A PEM block: from BEGIN to its END line, or, when cut short, to the end of the base64 run.
    Detector("pem_private_key", "PRIVATE_KEY", re.compile(
        rf"{_PEM_LABEL}(?:[\s\S]{{0,32768}}?-----END[ A-Z0-9]{{0,40}}PRIVATE KEY(?: BLOCK)?-----"
        r"|[A-Za-z0-9+/=\s\\]{0,32768}+)")),
    Detector("aws_access_key_id", "AWS_ACCESS_KEY", re.compile(
        rf"{_START}(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{{16}}{_END}")),
    # 40 base64 characters are only a secret key next to a word that says so.
    Detector("aws_secret_access_key", "AWS_SECRET_KEY", re.compile(
        r"(?i)(?:aws|amazon|secret)[\w\-. ]{0,30}?[\"']?(?:[ \t]{0,3}[:=,>][ \t]{0,3}|[ \t]{1,3})[\"']?"
        r"(?P<pii>(?-i:[A-Za-z0-9/+]{40}))(?![A-Za-z0-9/+=])"), _mixed_case),
    Detector("gcp_api_key", "GCP_API_KEY", re.compile(rf"{_START}AIza[\w\-]{{35}}{_END}")),
    Detector("azure_storage_account_key", "AZURE_STORAGE_KEY", re.compile(
        r"(?i)AccountKey[ \t]{0,3}=[ \t]{0,3}(?P<pii>(?-i:[A-Za-z0-9+/]{86}==))")),
    Detector("azure_ad_client_secret", "AZURE_CLIENT_SECRET", re.compile(
        r"(?<![A-Za-z0-9_~.\-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}(?![A-Za-z0-9_~.\-])")),
    # A shared-access signature: the signature and the parameters signed with it.
    Detector("azure_sas_token", "AZURE_SAS_TOKEN", re.compile(
        r"(?i)(?<=[?&\s\"'])(?P<pii>(?:(?:sv|ss|srt|sp|se|st|spr|sr|skoid|sktid|skt|ske|sks|skv|sip|si)"
        r"=[^&\s\"']{1,128}&){1,16}sig=[A-Za-z0-9%+/=]{20,256}(?:&[A-Za-z]{1,8}=[^&\s\"']{0,128}){0,16})")),
    Detector("github_token", "GITHUB_TOKEN", re.compile(
        rf"{_START}(?:gh[pousr]_[A-Za-z0-9]{{36,255}}|github_pat_[A-Za-z0-9_]{{82}}){_END}")),
    Detector("gitlab_token", "GITLAB_TOKEN", re.compile(
        rf"{_START}gl(?:pat|ptt|rt|dt|ft|imt|agent|oas|cbt|soat|ffct)-[A-Za-z0-9_\-]{{20,300}}"
        rf"(?:\.[0-9a-z]{{9}})?{_END}")),
    Detector("slack_token", "SLACK_TOKEN", re.compile(
        rf"{_START}(?:xox[abposre](?:-[A-Za-z0-9]{{1,64}}){{2,6}}|xapp-\d-[A-Z0-9]{{1,32}}-\d{{1,16}}-[a-z0-9]{{1,128}}"
        rf"|xoxe\.xox[bp]-\d-[A-Z0-9]{{100,200}}){_END}")),
    Detector("slack_webhook_url", "SLACK_TOKEN", re.compile(
        r"(?i)hooks\.slack\.com/(?:services|workflows|triggers)/(?P<pii>[A-Za-z0-9+/_\-]{20,200})")),
    Detector("stripe_key", "STRIPE_KEY", re.compile(
        rf"{_START}(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{{10,247}}{_END}")),
)
