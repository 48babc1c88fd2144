"""The status colours stay apart for students who see colours differently.

Each colour is passed through Machado, Oliveira & Fernandes (2009)'s simulation of a full
deuteranopia, protanopia and tritanopia (their severity-1.0 matrices, applied in linear RGB), and
every two colours a student must tell apart on one figure (every host and VM status the engine
uses, and the required-NIC-down strip) must stay at a CIELAB distance of at least MIN_DELTA_E.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hacourse.status import HostStatus, VmStatus
from hacourse.views import palette

MACHADO_2009 = {
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}
MIN_DELTA_E = 20.0  # CIE76; about 2.3 is "just noticeable", 20 is "clearly another colour"


def _linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen_as(color: str, vision: str | None) -> np.ndarray:
    """The CIELAB colour a `#rrggbb` looks like with `vision` (None: normal vision)."""
    linear = _linear(np.array([int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]))
    if vision is not None:
        linear = np.clip(np.array(MACHADO_2009[vision]) @ linear, 0.0, 1.0)
    return _lab(linear)


def _shown_colours() -> dict[str, str]:
    statuses = {*HostStatus, *VmStatus}
    colours = {str(s): palette.status_color(s) for s in statuses}
    colours["required NIC down"] = palette.NIC_DOWN_COLOR
    return colours


def test_the_simulation_is_not_the_identity():
    """Red and green, far apart for normal vision, come close under deuteranopia: the check can fail."""
    red, green = "#e41a1c", "#4daf4a"
    normal = np.linalg.norm(seen_as(red, None) - seen_as(green, None))
    deutan = np.linalg.norm(seen_as(red, "deuteranopia") - seen_as(green, "deuteranopia"))
    assert deutan < normal / 2


@pytest.mark.parametrize("vision", [None, *MACHADO_2009])
def test_every_two_statuses_stay_apart(vision):
    colours = _shown_colours()
    seen = {name: seen_as(c, vision) for name, c in colours.items()}
    close = [(a, b, round(float(np.linalg.norm(seen[a] - seen[b])), 1))
             for a, b in itertools.combinations(sorted(seen), 2)
             if np.linalg.norm(seen[a] - seen[b]) < MIN_DELTA_E]
    assert not close, f"{vision or 'normal vision'}: too close to tell apart: {close}"


def test_the_statuses_the_issue_named_differ_by_hue_for_everyone():
    for a, b in (("Reboot", "Unknown"), ("NonResponsive", "required NIC down")):
        for vision in [None, *MACHADO_2009]:
            distance = np.linalg.norm(seen_as(_shown_colours()[a], vision) - seen_as(_shown_colours()[b], vision))
            assert distance >= MIN_DELTA_E, (a, b, vision, distance)
