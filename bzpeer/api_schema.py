"""OpenAPI additions for the REST API (kept apart from bzpeer/api.py, which DRF's settings import
before its views exist)."""

from __future__ import annotations

from typing import Literal

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ApiSchema(AutoSchema):
    """Documents the error responses every endpoint can give, with the one error body."""

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        error = self._get_response_for_code(ErrorSerializer, "400")
        wanted = ["400", "404", "429"]
        if self.method != "GET" or self._requires_auth():
            wanted += ["401", "403"]
        for code in wanted:
            responses.setdefault(code, error)
        return responses

    def get_auth(self) -> list:
        """Anonymous clients may call every operation that does not require signing in (reads,
        the token endpoint): the schema says so with an empty security requirement."""
        auths = super().get_auth()
        if {} not in auths and not self._requires_auth():
            auths.append({})
        return auths

    def _requires_auth(self) -> bool:
        return any(isinstance(p, IsAuthenticated) for p in self.view.get_permissions())
