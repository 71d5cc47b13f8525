"""How every download names its file: the one place a `Content-Disposition` header is written.

File names carry data (a unit code, a course id), and data from before unit codes were checked may hold
`;`, quotes or line breaks. Pasted into the header, `x.html; filename="evil.html"; x=` added a second
`filename` parameter, and a CR/LF made every download of that unit a 500 (Django refuses such a header).
"""

import string

from django.utils.http import content_disposition_header

# RFC 9110 §5.6.2 (formerly RFC 7230 §3.2.6): the characters a bare parameter value (a token) may hold.
TOKEN_CHARACTERS = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")


def attachment_disposition(filename: str) -> str:
    """The `Content-Disposition` value offering `filename` as a download.

    A name made only of token characters is sent bare, `attachment; filename=COS10001-Students.csv`, exactly
    as upstream Doubtfire sends it and its clients read it. Any other name goes through Django's
    `content_disposition_header`: quoted with escapes (`filename="A/B-Students.csv"`), or RFC 5987-encoded
    (`filename*=utf-8''...`) when it has characters a quoted string cannot hold. Either way it is one
    parameter and never breaks the header.
    """
    if filename and set(filename) <= TOKEN_CHARACTERS:
        return f"attachment; filename={filename}"
    return content_disposition_header(as_attachment=True, filename=filename)


def offer_as_download(response, filename: str):
    """Set the headers of a download on `response` (and let browser scripts on other origins read the name)."""
    response["Content-Disposition"] = attachment_disposition(filename)
    response["Access-Control-Expose-Headers"] = "Content-Disposition"
    return response
