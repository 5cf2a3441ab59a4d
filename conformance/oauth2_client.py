"""Tokens with an off-the-shelf OAuth2 client library (Authlib): client_secret_basic and
client_secret_post, with and without scope; wrong credentials are `invalid_client`, an
unknown grant `unsupported_grant_type` (RFC 6749 §5.2)."""

import os

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError

BASE = os.environ["BASE"]
TOKEN_URL = f"{BASE}/api/v1/auth/token"
CLIENT_ID = os.environ["PARTNER_CLIENT_ID"]
SECRET = os.environ["PARTNER_CLIENT_SECRET"]

for method in ("client_secret_basic", "client_secret_post"):
    for scope in (None, "submissions:write"):
        session = OAuth2Session(CLIENT_ID, SECRET, token_endpoint_auth_method=method, scope=scope)
        token = session.fetch_token(TOKEN_URL, grant_type="client_credentials")
        assert token["token_type"] == "Bearer" and token["expires_in"] > 0, token
        own = session.get(f"{BASE}/api/v1/consultations/integrationskonzept-sachsen-anhalt/submissions")
        assert own.status_code == 200, own.text

    wrong = OAuth2Session(CLIENT_ID, "not-the-secret", token_endpoint_auth_method=method)
    try:
        wrong.fetch_token(TOKEN_URL, grant_type="client_credentials")
        raise AssertionError("a wrong secret got a token")
    except OAuthError as error:
        assert error.error == "invalid_client", error

basic = requests.post(TOKEN_URL, data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, "falsch"))
assert basic.status_code == 401 and basic.headers["WWW-Authenticate"].startswith("Basic"), basic.text
grant = requests.post(TOKEN_URL, data={"grant_type": "password"}, auth=(CLIENT_ID, SECRET))
assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type", grant.text
print("Authlib: client_secret_basic and client_secret_post work; errors are RFC 6749")
