"""Uploaded files keep the readable part of their names.

Django takes an uploaded file's name to be a path and keeps what follows its last "/",
so a receipt sent as `Siân ⚠ <b>receipt</b>.pdf` arrives as `b>.pdf`. Browsers send a
file's name, never its path; here a "/" in it becomes a look-alike (U+2044, the
fraction slash) and the name is kept whole. The name is only shown (escaped) and given
back on download: files are stored under random names. A "\\" still ends a path, as
old Windows browsers sent one.
"""

from django.core.handlers.wsgi import WSGIRequest
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import ImmutableList


class ReadableNameParser(MultiPartParser):
    def sanitize_file_name(self, file_name):
        return super().sanitize_file_name(file_name.replace("/", "\u2044"))


class ReadableNamesRequest(WSGIRequest):
    def parse_file_upload(self, META, post_data):
        """Django's, with the parser above."""
        self.upload_handlers = ImmutableList(
            self.upload_handlers,
            warning="You cannot alter upload handlers after the upload has been processed.",
        )
        return ReadableNameParser(META, post_data, self.upload_handlers, self.encoding).parse()
