"""An uploaded file's name keeps its readable part through the site's WSGI handler."""

import io

from django.test.client import BOUNDARY, MULTIPART_CONTENT

from core.uploads import ReadableNamesRequest
from knowledge_exchange.wsgi import application

FRACTION_SLASH = "\u2044"


def _request(name: str) -> ReadableNamesRequest:
    # As a browser sends it (Django's test client would keep only the base name).
    body = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="receipt"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n"
        f"--{BOUNDARY}--\r\n"
    ).encode()
    return ReadableNamesRequest(
        {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": MULTIPART_CONTENT,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "PATH_INFO": "/",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
        }
    )


def test_a_name_with_a_slash_keeps_its_readable_part():
    received = _request("Siân ⚠ <b>receipt</b>.pdf").FILES["receipt"]

    assert received.name == f"Siân ⚠ <b>receipt<{FRACTION_SLASH}b>.pdf"


def test_a_windows_path_is_still_cut_to_the_file_name():
    assert _request("C:\\Users\\alex\\receipt.pdf").FILES["receipt"].name == "receipt.pdf"


def test_the_site_is_served_with_it():
    assert application.request_class is ReadableNamesRequest
