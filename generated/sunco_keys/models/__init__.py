"""Contains all the data models used in inputs/outputs"""

from .api_key import ApiKey
from .delete_custom_integration_key_response_200 import DeleteCustomIntegrationKeyResponse200
from .error import Error
from .error_response import ErrorResponse
from .integration_api_key import IntegrationApiKey
from .integration_api_key_list_response import IntegrationApiKeyListResponse
from .integration_api_key_response import IntegrationApiKeyResponse

__all__ = (
    "ApiKey",
    "DeleteCustomIntegrationKeyResponse200",
    "Error",
    "ErrorResponse",
    "IntegrationApiKey",
    "IntegrationApiKeyListResponse",
    "IntegrationApiKeyResponse",
)
