"""FHIR R4 (4.0.1) for revhyper blocks: a Bundle a clinical record system can store.

The Bundle (type ``collection``) holds a CarePlan - ``active`` with one activity per week for a generated
block, ``draft`` for one that needs clearance, ``revoked`` for a refused one - and, when the block has no
sessions, a ServiceRequest (intent ``proposal``): the referral, with its priority from the referral's
urgency, or the request for clearance. :mod:`revhyper_fhir.resources` builds them; README.md explains the
choices. The adapter writes plain JSON and needs nothing beyond revhyper; its tests validate every
resource with fhirclient's R4 models.
"""

from __future__ import annotations

import json

from revhyper.block import Block
from revhyper.exporters import Exporter
from revhyper.hookspecs import hookimpl

from .resources import bundle


def export(block: Block) -> bytes:
    """The Bundle as JSON: UTF-8, two-space indent, the specification's element order, a final newline."""
    return (json.dumps(bundle(block), indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


FHIR = Exporter("fhir", ".json", "application/fhir+json", export,
                "FHIR R4 Bundle: CarePlan with weekly activities; ServiceRequest for a referral or clearance")


@hookimpl
def revhyper_register_exporters(register):
    register(FHIR)
