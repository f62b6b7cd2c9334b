"""Validation for sign-up, sign-in and organisation details (shared by forms and the API)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalogue.accounts.passwords import MAX_LENGTH, password_problem
from catalogue.web_address import WebAddress

EMAIL = fields.Email(
    required=True,
    validate=validate.Length(max=320, error="Email address must be 320 characters or fewer"),
    error_messages={
        "required": "Enter your email address",
        "invalid": "Enter an email address in the correct format, like name@example.org",
    },
)


class SignInSchema(Schema):
    email = fields.String(
        required=True,
        validate=validate.Length(min=1, max=320, error="Enter your email address"),
        error_messages={"required": "Enter your email address"},
    )
    password = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_LENGTH, error="Enter your password"),
        error_messages={"required": "Enter your password"},
    )
    remember = fields.Boolean(load_default=False)


class SignUpSchema(Schema):
    email = EMAIL
    display_name = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, error="Enter your name"),
            validate.Length(max=200, error="Name must be 200 characters or fewer"),
        ],
        error_messages={"required": "Enter your name"},
    )
    password = fields.String(required=True, error_messages={"required": "Enter a password"})
    organisation_choice = fields.String(
        required=True,
        validate=validate.OneOf(["existing", "new"], error="Choose whether your organisation is already listed"),
        error_messages={"required": "Choose whether your organisation is already listed"},
    )
    organisation_ref = fields.String(load_default=None, allow_none=True)
    new_organisation_name = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=200, error="Name of the organisation must be 200 characters or fewer"),
    )
    new_organisation_kind = fields.String(load_default=None, allow_none=True)
    new_organisation_website = WebAddress(load_default=None, allow_none=True)

    @validates_schema
    def _check(self, data: dict, **_kwargs: object) -> None:
        errors: dict[str, list[str]] = {}
        problem = password_problem(data.get("password", ""), data.get("email", ""))
        if problem:
            errors["password"] = [problem]
        if data.get("organisation_choice") == "existing" and not data.get("organisation_ref"):
            errors["organisation_ref"] = ["Choose your organisation"]
        if data.get("organisation_choice") == "new":
            if not (data.get("new_organisation_name") or "").strip():
                errors["new_organisation_name"] = ["Enter the name of your organisation"]
            if data.get("new_organisation_kind") not in ("supplier", "provider"):
                errors["new_organisation_kind"] = ["Choose whether the new organisation is a supplier or a provider"]
        if errors:
            raise ValidationError(errors)


class ChangePasswordSchema(Schema):
    current_password = fields.String(required=True, error_messages={"required": "Enter your current password"})
    new_password = fields.String(required=True, error_messages={"required": "Enter a new password"})


class ForgottenPasswordSchema(Schema):
    email = EMAIL


class ResetPasswordSchema(Schema):
    """Given the user's address, so a new password may not contain it."""

    new_password = fields.String(required=True, error_messages={"required": "Enter a new password"})

    def __init__(self, email: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.email = email

    @validates_schema
    def _check(self, data: dict, **_kwargs: object) -> None:
        problem = password_problem(data.get("new_password", ""), self.email)
        if problem:
            raise ValidationError({"new_password": [problem]})


class ApiTokenSchema(Schema):
    """A self-service API token: its name, what it may do and how long it lasts."""

    label = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, error="Enter a name for the token, like ‘Data warehouse’"),
            validate.Length(max=200, error="Name must be 200 characters or fewer"),
        ],
        error_messages={"required": "Enter a name for the token, like ‘Data warehouse’"},
    )
    scope = fields.String(
        required=True,
        validate=validate.OneOf(["read", "write"], error="Choose what the token may do"),
        error_messages={"required": "Choose what the token may do"},
    )
    expires_in_days = fields.Integer(
        required=True,
        validate=validate.OneOf([7, 30, 90, 365], error="Choose when the token expires"),
        error_messages={"required": "Choose when the token expires", "invalid": "Choose when the token expires"},
    )
