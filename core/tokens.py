"""Secret links (endorsements, calendar feeds) carry a random token; only its hash is
stored, so a copy of the database opens nothing."""

import hashlib


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
