"""Serializers of the REST resources. Thin: shapes only; writes go through services."""

from rest_framework import serializers

from doubtfire.models import User


class UserSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "nickname", "email", "role", "student_id"]
        read_only_fields = fields
