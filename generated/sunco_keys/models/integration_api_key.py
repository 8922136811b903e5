from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..lib.decode import checked_from_dict
from ..lib.redaction import masked_repr

T = TypeVar("T", bound="IntegrationApiKey")


@_attrs_define
class IntegrationApiKey:
    display_name: str
    """ The name of the API key. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=masked_repr)

    def to_dict(self) -> dict[str, Any]:
        display_name = self.display_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "displayName": display_name,
            }
        )

        return field_dict

    @classmethod
    @checked_from_dict
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        display_name = d.pop("displayName")

        integration_api_key = cls(
            display_name=display_name,
        )

        integration_api_key.additional_properties = d
        return integration_api_key

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
