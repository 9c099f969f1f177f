"""Machine-readable API errors: {"error": code, "message": 中文说明, ...}."""

from django.http import JsonResponse


class ApiError(Exception):
    def __init__(self, status, code, message, **extra):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    @staticmethod
    def response(status, code, message, **extra):
        return JsonResponse({"error": code, "message": str(message), **extra}, status=status,
                            json_dumps_params={"ensure_ascii": False})
