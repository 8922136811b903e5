from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..lib.decode import checked_from_dict
from ..lib.redaction import masked_repr
from ..types import UNSET, Unset

T = TypeVar("T", bound="ApiKey")


@_attrs_define
class ApiKey:
    """The integration key."""

    id: str | Unset = UNSET
    """ The unique ID of the API key, used when signing JWTs or accessing the API using Basic Authentication. """
    display_name: None | str | Unset = UNSET
    """ The name of the API key. """
    secret: str | Unset = _attrs_field(default=UNSET, repr=False)
    """ The secret of the API key, used when signing JWTs or accessing the API using Basic Authentication. A
    credential: never shown in a repr. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=masked_repr)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        display_name: None | str | Unset
        if isinstance(self.display_name, Unset):
            display_name = UNSET
        else:
            display_name = self.display_name

        secret = self.secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if id is not UNSET:
            field_dict["id"] = id
        if display_name is not UNSET:
            field_dict["displayName"] = display_name
        if secret is not UNSET:
            field_dict["secret"] = secret

        return field_dict

    @classmethod
    @checked_from_dict
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id", UNSET)

        def _parse_display_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        display_name = _parse_display_name(d.pop("displayName", UNSET))

        secret = d.pop("secret", UNSET)

        api_key = cls(
            id=id,
            display_name=display_name,
            secret=secret,
        )

        api_key.additional_properties = d
        return api_key

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
