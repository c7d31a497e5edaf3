"""FHIR R4 (4.0.1) for revhyper blocks: a Bundle a clinical record system can import.

``fhir`` writes a ``transaction`` Bundle: each entry a conditional create, so a FHIR server makes the CarePlan
and its ServiceRequests as resources of their own (importing the same Bundle twice creates nothing new).
``fhir-collection`` writes the same resources as a ``collection`` (one document, with ids), as this adapter did
before. The CarePlan is ``active`` with one activity per week for a generated block, each referencing an
exercise prescription (a ServiceRequest as the HL7 Physical Activity implementation guide writes one),
``draft`` for one that needs clearance, ``revoked`` for a refused one, which gets the referral or the request
for clearance instead. :mod:`revhyper_fhir.resources` builds them; README.md explains the choices and the
configuration (:data:`IDENTIFIER_SYSTEM_ENV`, :data:`REPLACES_ENV`). The adapter writes plain JSON and needs
nothing beyond revhyper; its tests validate every resource with fhir.resources' and fhirclient's R4 models.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from revhyper.block import Block
from revhyper.exporters import Exporter
from revhyper.hookspecs import hookimpl

from .resources import Settings, bundle

IDENTIFIER_SYSTEM_ENV = "REVHYPER_FHIR_IDENTIFIER_SYSTEM"
"""The system of the platform's patient identifiers (the profile's ``person.id`` is the value)."""
REPLACES_ENV = "REVHYPER_FHIR_REPLACES"
"""The identifier (``urn:uuid:...``) of the CarePlan the new block's plan replaces."""


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """The :class:`Settings` the environment gives; ValueError, naming the variable, for a bad value."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name, field in ((IDENTIFIER_SYSTEM_ENV, "identifier_system"), (REPLACES_ENV, "replaces")):
        text = env.get(name, "").strip()
        if text:
            try:
                Settings(**{field: text})  # checked one at a time, so the message names the variable at fault
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
            values[field] = text
    return Settings(**values)


def to_json(data: dict[str, Any]) -> bytes:
    """JSON as the adapter writes it: UTF-8, two-space indent, the specification's element order, a final newline."""
    return (json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def export(block: Block) -> bytes:
    """The ``transaction`` Bundle, configured by the environment."""
    return to_json(bundle(block, settings_from_env(), "transaction"))


def export_collection(block: Block) -> bytes:
    """The ``collection`` Bundle (one document), configured by the environment."""
    return to_json(bundle(block, settings_from_env(), "collection"))


FHIR = Exporter("fhir", ".json", "application/fhir+json", export,
                "FHIR R4 transaction Bundle: CarePlan, weekly exercise prescriptions; referral or clearance request")
FHIR_COLLECTION = Exporter("fhir-collection", ".json", "application/fhir+json", export_collection,
                           "FHIR R4 collection Bundle (one document): the resources of the fhir format")


@hookimpl
def revhyper_register_exporters(register):
    register(FHIR)
    register(FHIR_COLLECTION)
