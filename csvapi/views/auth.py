"""`/api/auth`: tokens for scripts and for Doubtfire's web client (doubtfire-web 8.0.x, reference §1.2–§1.3).

* `POST /api/auth`: username and password → 201 `{user, auth_token, auth_token_expiry}`.
* `PUT /api/auth`: the client's hourly refresh (token in the headers) → 200 `{auth_token, auth_token_expiry}`,
  a new token; the old one stops working.
* `DELETE /api/auth`: signs the token out.
* `GET /api/auth/method`, `GET /api/auth/signout_url`: what the client's sign-in page asks first. Sign-in is by
  password here, with no single sign-on to send the browser to or to sign out of.
"""

from django.contrib.auth import authenticate, user_logged_in
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from csvapi.authentication import BearerTokenAuthentication, HeaderTokenAuthentication
from csvapi.serializers import UserSummarySerializer
from doubtfire.services import (
    INVALID_CREDENTIALS,
    MISSING_CREDENTIALS,
    TokenRejected,
    new_auth_token,
    refresh_auth_token,
    revoke_auth_token,
)

REMEMBER_HELP = (
    "Sent by Doubtfire's web client; accepted and ignored: every token lives AUTH_TOKEN_LIFETIME, and the client "
    "refreshes it hourly."
)


class SignInSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})
    remember = serializers.BooleanField(required=False, default=False, help_text=REMEMBER_HELP)


class RefreshSerializer(serializers.Serializer):
    username = serializers.CharField(
        required=False, help_text="The token's owner, as doubtfire-web repeats it; when sent, it must match."
    )
    remember = serializers.BooleanField(required=False, default=False, help_text=REMEMBER_HELP)


class TokenExpiryField(serializers.DateTimeField):
    """When the token stops working, as `2026-01-01T10:00:00.000+11:00` (milliseconds, the offset of TIME_ZONE):
    the form JavaScript's `Date.parse` is specified to read, which newer Doubtfire clients compare with the clock."""

    def to_representation(self, value):
        return timezone.localtime(value).isoformat(timespec="milliseconds")


class IssuedTokenSerializer(serializers.Serializer):
    auth_token = serializers.CharField(source="raw")
    auth_token_expiry = TokenExpiryField(source="expires_at")


class SignedInSerializer(serializers.Serializer):
    user = UserSummarySerializer()
    auth_token = serializers.CharField(source="raw")
    auth_token_expiry = TokenExpiryField(source="expires_at")


class SignedOutSerializer(serializers.Serializer):
    message = serializers.CharField()


class AuthTokenView(APIView):
    authentication_classes = [HeaderTokenAuthentication, BearerTokenAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sign_in"
    serializer_class = SignInSerializer

    @property
    def auth_failure_status(self) -> int:
        # A failed refresh is 419, as Doubtfire's other token failures are: doubtfire-web then says "Authentication
        # timed out" and signs out at once. Upstream's 404 it would only log, and carry on with a dead token.
        # Signing out (DELETE) keeps the 401 of SPEC §1; the client signs out locally whatever it gets.
        request = getattr(self, "request", None)
        return 419 if request is not None and request.method == "PUT" else status.HTTP_401_UNAUTHORIZED

    def get_authenticators(self):
        # Signing in must not depend on a stale token the script still sends; only PUT and DELETE read it.
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    @extend_schema(request=SignInSerializer, responses={201: SignedInSerializer})
    def post(self, request):
        form = SignInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        credentials = {name: form.validated_data[name] for name in ("username", "password")}
        user = authenticate(request._request, **credentials)
        if user is None:
            return Response({"error": "The username or password is incorrect."}, status=status.HTTP_401_UNAUTHORIZED)
        # As a session login does: django-axes resets the failure count, Django records last_login.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        issued = new_auth_token(user=user)
        return Response(SignedInSerializer(issued).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=RefreshSerializer,
        responses={200: IssuedTokenSerializer},
        description="Trade the token sent in the headers for a new one; the old one stops working. "
        "A missing, wrong or expired token is 419.",
    )
    def put(self, request):
        if request.auth is None:
            raise exceptions.NotAuthenticated(MISSING_CREDENTIALS)
        form = RefreshSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        username = form.validated_data.get("username")
        if username is not None and username.strip().lower() != request.user.username.lower():
            raise exceptions.AuthenticationFailed(INVALID_CREDENTIALS)
        try:
            issued = refresh_auth_token(user=request.user, raw=request.auth)
        except TokenRejected as rejected:
            raise exceptions.AuthenticationFailed(rejected.message) from None
        return Response(IssuedTokenSerializer(issued).data)

    @extend_schema(request=None, responses={200: SignedOutSerializer})
    def delete(self, request):
        if not request.user.is_authenticated or request.auth is None:
            return Response(
                {"error": "Send the token to sign out in the Auth-Token header (with Username)."},
                status=status.HTTP_401_UNAUTHORIZED,
            )
        revoke_auth_token(raw=request.auth)
        return Response({"message": "Signed out; the token no longer works."})


class AuthMethodSerializer(serializers.Serializer):
    method = serializers.CharField(help_text='Always "database": usernames and passwords kept here.')
    redirect_to = serializers.URLField(
        allow_null=True, help_text="Where a single sign-on would send the browser: always null here."
    )


class SignOutUrlSerializer(serializers.Serializer):
    auth_signout_url = serializers.URLField(
        allow_null=True, help_text="Where to send the browser after signing out: always null here."
    )


class PublicView(APIView):
    """Read before anyone signs in: no authentication (a stale token must not turn it into an error)."""

    authentication_classes = []
    permission_classes = [AllowAny]


class AuthMethodView(PublicView):
    """`{"method": "database", "redirect_to": null}`: the sign-in page shows its username and password form."""

    @extend_schema(responses={200: AuthMethodSerializer}, summary="How doubtfire-web's sign-in page should sign in")
    def get(self, request):
        return Response(AuthMethodSerializer({"method": "database", "redirect_to": None}).data)


class SignOutUrlView(PublicView):
    """`{"auth_signout_url": null}`: after signing out the client goes back to its own sign-in page."""

    @extend_schema(responses={200: SignOutUrlSerializer}, summary="Where doubtfire-web goes after signing out")
    def get(self, request):
        return Response(SignOutUrlSerializer({"auth_signout_url": None}).data)
