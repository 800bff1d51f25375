"""A small Mapbox Vector Tile reader for tests: layers, features, properties (geometry left encoded)."""

from __future__ import annotations

import struct
from typing import Any


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> list[tuple[int, Any]]:
    pos, found = 0, []
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"wire type {wire}")
        found.append((number, value))
    return found


def _packed(data: bytes) -> list[int]:
    pos, values = 0, []
    while pos < len(data):
        value, pos = _varint(data, pos)
        values.append(value)
    return values


def _value(data: bytes) -> Any:
    for number, raw in _fields(data):
        if number == 1:
            return raw.decode()
        if number == 2:
            return struct.unpack("<f", raw)[0]
        if number == 3:
            return struct.unpack("<d", raw)[0]
        if number in (4, 5):
            return raw if raw < 2**63 else raw - 2**64
        if number == 6:
            return (raw >> 1) ^ -(raw & 1)
        if number == 7:
            return bool(raw)
    return None


def decode(tile: bytes) -> dict[str, list[dict[str, Any]]]:
    """{layer name: [feature properties, ...]}"""
    layers: dict[str, list[dict[str, Any]]] = {}
    for number, layer_bytes in _fields(tile):
        if number != 3:
            continue
        name, keys, values, features = "", [], [], []
        for field, raw in _fields(layer_bytes):
            if field == 1:
                name = raw.decode()
            elif field == 3:
                keys.append(raw.decode())
            elif field == 4:
                values.append(_value(raw))
            elif field == 2:
                features.append(raw)
        decoded = []
        for feature in features:
            tags = next((_packed(raw) for field, raw in _fields(feature) if field == 2), [])
            decoded.append({keys[tags[i]]: values[tags[i + 1]] for i in range(0, len(tags), 2)})
        layers[name] = decoded
    return layers
