"""Page links that never carry credentials onward.

Legacy scripts may send their token as `?auth_token=`; DRF builds `next`/`previous` from the request URL,
which would copy the token into every response body (and from there into logs and proxies).
"""

from rest_framework.pagination import PageNumberPagination
from rest_framework.utils.urls import remove_query_param

CREDENTIAL_PARAMETERS = ("auth_token", "Auth_Token", "authToken", "auth-token", "token", "username", "Username")


def _without_credentials(url):
    if url is None:
        return None
    for name in CREDENTIAL_PARAMETERS:
        url = remove_query_param(url, name)
    return url


class CredentialFreePagination(PageNumberPagination):
    def get_next_link(self):
        return _without_credentials(super().get_next_link())

    def get_previous_link(self):
        return _without_credentials(super().get_previous_link())
