"""`/api/auth`: trade a username and password for an API token, and sign a token out."""

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from csvapi.authentication import BearerTokenAuthentication, HeaderTokenAuthentication
from csvapi.serializers import UserSummarySerializer
from doubtfire.services import issue_auth_token, revoke_auth_token


class SignInSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class AuthTokenView(APIView):
    authentication_classes = [HeaderTokenAuthentication, BearerTokenAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sign_in"
    serializer_class = SignInSerializer

    def get_authenticators(self):
        # Signing in must not depend on a stale token the script still sends; only DELETE reads it.
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    @extend_schema(
        request=SignInSerializer,
        responses={201: inline_serializer("SignedIn", {"user": UserSummarySerializer(), "auth_token": serializers.CharField()})},
    )
    def post(self, request):
        form = SignInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = authenticate(request._request, **form.validated_data)
        if user is None:
            return Response({"error": "The username or password is incorrect."}, status=status.HTTP_401_UNAUTHORIZED)
        # As a session login does: django-axes resets the failure count, Django records last_login.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        token = issue_auth_token(user=user)
        return Response({"user": UserSummarySerializer(user).data, "auth_token": token}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: inline_serializer("SignedOut", {"message": serializers.CharField()})})
    def delete(self, request):
        if not request.user.is_authenticated or request.auth is None:
            return Response(
                {"error": "Send the token to sign out in the Auth-Token header (with Username)."},
                status=status.HTTP_401_UNAUTHORIZED,
            )
        revoke_auth_token(raw=request.auth)
        return Response({"message": "Signed out; the token no longer works."})
