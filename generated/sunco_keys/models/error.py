from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..lib.decode import checked_from_dict
from ..lib.redaction import masked_repr
from ..types import UNSET, Unset

T = TypeVar("T", bound="Error")


@_attrs_define
class Error:
    code: str | Unset = UNSET
    """ The error code, classifying similar errors. """
    title: str | Unset = UNSET
    """ A short description of the error. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict, repr=masked_repr)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if code is not UNSET:
            field_dict["code"] = code
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    @checked_from_dict
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code", UNSET)

        title = d.pop("title", UNSET)

        error = cls(
            code=code,
            title=title,
        )

        error.additional_properties = d
        return error

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
