"""Labels of the catalogue's codes in the interface language (the data keeps the English keys)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CONTROL_LABELS = {
    "PA": _l("Type approval"),
    "IV": _l("Initial verification"),
    "PV": _l("Periodic verification"),
    "RV": _l("Verification after repair"),
}

# The connective of the shipped legal bases ("TT 23/2013 amended by TT 07/2019"), kept in English in the
# data so that the file stays one file for both languages.
_AMENDED_BY = " amended by "


def legal_basis_words(basis: str) -> str:
    """A legal basis in the interface language: "TT 23/2013 sửa đổi bởi TT 07/2019" on a Vietnamese page."""
    return str(_l(" amended by ")).join(basis.split(_AMENDED_BY))


CONFIDENCE_LABELS = {
    "source": _l("Confirmed from the legal text"),
    "verify": _l("To be verified"),
}

LEVEL_LABELS = {
    "province": _l("Province"),
    "city": _l("Provincial city"),
    "district": _l("District"),
    "town": _l("Town"),
    "commune": _l("Commune"),
    "ward": _l("Ward"),
}

# The quantities of the shipped Group 2 list; a quantity the Department adds shows as typed.
QUANTITY_LABELS = {
    "angle": _l("Angle"),
    "concentration": _l("Concentration"),
    "current": _l("Electric current"),
    "density": _l("Density"),
    "distance/time": _l("Distance/time"),
    "electric energy": _l("Electric energy"),
    "electric field": _l("Electric field"),
    "force": _l("Force"),
    "length": _l("Length"),
    "length/angle": _l("Length/angle"),
    "level": _l("Liquid level"),
    "light": _l("Light"),
    "mass": _l("Mass"),
    "meteorology": _l("Meteorology"),
    "moisture": _l("Moisture"),
    "optical power": _l("Optical power"),
    "optics": _l("Optics"),
    "position": _l("Position"),
    "precipitation": _l("Precipitation"),
    "pressure": _l("Pressure"),
    "radiation": _l("Radiation"),
    "resistance": _l("Electric resistance"),
    "sound": _l("Sound"),
    "spectroscopy": _l("Spectroscopy"),
    "speed": _l("Speed"),
    "temperature": _l("Temperature"),
    "temperature/humidity": _l("Temperature/humidity"),
    "torque": _l("Torque"),
    "velocity": _l("Velocity"),
    "vibration": _l("Vibration"),
    "voltage": _l("Voltage"),
    "volume": _l("Volume"),
    "volume/mass": _l("Volume/mass"),
    "water quality": _l("Water quality"),
}


def quantity_label(quantity: str) -> str:
    return str(QUANTITY_LABELS.get(quantity, quantity))
