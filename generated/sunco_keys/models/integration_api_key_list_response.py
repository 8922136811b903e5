from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..lib.decode import checked_from_dict
from ..lib.redaction import masked_repr
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.api_key import ApiKey


T = TypeVar("T", bound="IntegrationApiKeyListResponse")


@_attrs_define
class IntegrationApiKeyListResponse:
    keys: list[ApiKey] | Unset = UNSET
    """ Integration keys of the supplied integration. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=masked_repr)

    def to_dict(self) -> dict[str, Any]:
        keys: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.keys, Unset):
            keys = []
            for keys_item_data in self.keys:
                keys_item = keys_item_data.to_dict()
                keys.append(keys_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if keys is not UNSET:
            field_dict["keys"] = keys

        return field_dict

    @classmethod
    @checked_from_dict
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.api_key import ApiKey  # noqa: PLC0415

        d = dict(src_dict)
        _keys = d.pop("keys", UNSET)
        keys: list[ApiKey] | Unset = UNSET
        if _keys is not UNSET:
            keys = []
            for keys_item_data in _keys:
                keys_item = ApiKey.from_dict(keys_item_data)

                keys.append(keys_item)

        integration_api_key_list_response = cls(
            keys=keys,
        )

        integration_api_key_list_response.additional_properties = d
        return integration_api_key_list_response

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
