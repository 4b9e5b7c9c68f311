"""Credentials out of URLs before they are shown or stored (logs, errors, the lock file, the warehouse).

A mirror root such as `http://user:TOKEN@host/corpora` or a presigned `...?X-Amz-Signature=...` URL
works as given, but only its redacted form may be logged, raised, written or published.
"""

import re

# scheme://user:password@ (or scheme://token@): everything between :// and the last @ before the path.
_USERINFO = re.compile(r"(?<=://)[^/\s?#]*@")
# Query parameters that carry a secret (presigned S3 and Azure URLs, API tokens).
_SECRET_PARAM = re.compile(
    r"(?i)([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|sig|signature|token|access_token|"
    r"api_key|apikey|key|password|secret)=)[^&#\s'\"]*"
)


def redact(text: str) -> str:
    """`text` (a URL, or a message naming URLs) with user info and secret query parameters replaced by ***."""
    return _SECRET_PARAM.sub(r"\1***", _USERINFO.sub("***@", text))
