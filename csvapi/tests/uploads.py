"""What the Doubtfire CSV route tests send: upstream sample files, in-memory uploads, a bad token."""

import io
from pathlib import Path

from rest_framework.test import APIClient

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "doubtfire"


def fixture_file(name):
    return open(FIXTURES / name, "rb")


def named(content, name="upload.csv"):
    """An upload made in the test: text is encoded as UTF-8, bytes are sent as they are."""
    handle = io.BytesIO(content.encode("utf-8") if isinstance(content, str) else content)
    handle.name = name
    return handle


def bad_token_client():
    client = APIClient()
    client.credentials(HTTP_USERNAME="aadmin", HTTP_AUTH_TOKEN="wrong")
    return client


def body_of(response):
    return b"".join(response.streaming_content).decode()
