"""Request and response models of the JSON API (they also generate the OpenAPI description)."""

from pydantic import BaseModel, ConfigDict


class ApiModel(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")


class ErrorDetail(ApiModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(ApiModel):
    error: ErrorDetail


class Me(ApiModel):
    id: int
    email: str
    name: str
    role: str
