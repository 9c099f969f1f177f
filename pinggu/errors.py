"""One error shape for every refusal: a machine code, an HTTP status and a Chinese message (plus fields).

Services raise DomainError (or an app's subclass); the API answers it as {"error": code, "message": ...}
with its status, and the web shows the message.
"""

from typing import Any

from django.http import JsonResponse


class DomainError(Exception):
    def __init__(self, message: Any, code: str = "invalid", status: int = 400, **extra: Any):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.extra = extra


class ApiError(DomainError):
    def __init__(self, status: int, code: str, message: Any, **extra: Any):
        super().__init__(message, code=code, status=status, **extra)

    @staticmethod
    def response(status: int, code: str, message: Any, **extra: Any) -> JsonResponse:
        return JsonResponse({"error": code, "message": str(message), **extra}, status=status,
                            json_dumps_params={"ensure_ascii": False})
