"""Hits as a STIX 2.1 bundle (stix2), for partners' threat-intelligence platforms.

One bundle per export, for one investigation:

- an ``identity`` for the unit (``THUMBWATCH_UNIT_NAME``, its email as contact information), the
  ``created_by_ref`` of every other object;
- per listing: a ``url`` observable (the listing), a ``user-account`` (the seller:
  ``account_login`` is the seller's identifier on the marketplace, ``account_type`` the
  marketplace, ``display_name`` the name shown) and a ``url`` for the seller's page; an
  ``observed-data`` over them (first and last seen); a ``file`` per evidence item (SHA-256,
  size, media type; no name, so that its id depends on its content alone); a ``note`` saying what
  was matched and why, referring to all of these;
- a ``grouping`` (context ``suspicious-activity``) named after the investigation, holding it all.

Only standard properties are used (no ``x_`` properties, no custom objects), so the bundle parses
with ``allow_custom=False``. Observables get stix2's deterministic UUIDv5 ids (from their
contributing properties), so the same URL, seller or file has the same id in every export and
every partner's store; the other objects get UUIDv5 ids from the export (`ShareContext.uuid`), so
the same data and clock give the same bundle, byte for byte.

TLP: stix2 ships TLP 1.0 marking definitions only (``TLP_WHITE``, ``TLP_GREEN``, ``TLP_AMBER``,
``TLP_RED``), so TLP 2.0 levels map to them: CLEAR to WHITE (TLP 2.0 renamed it), AMBER+STRICT to
AMBER plus a statement marking that restricts sharing to the recipient's organisation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import stix2

from evidence.share import ShareContext, ShareError, listing_summary

_TLP = {
    "clear": stix2.TLP_WHITE,
    "green": stix2.TLP_GREEN,
    "amber": stix2.TLP_AMBER,
    "amber+strict": stix2.TLP_AMBER,
    "red": stix2.TLP_RED,
}
AMBER_STRICT_STATEMENT = (
    "TLP:AMBER+STRICT (FIRST TLP 2.0): recipients may share this information only within their own "
    "organisation, on a need-to-know basis. STIX 2.1 has no TLP 2.0 marking in this library, so the "
    "object also carries TLP:AMBER."
)


def _markings(context: ShareContext) -> list[Any]:
    markings: list[Any] = [_TLP[context.tlp]]
    if context.tlp == "amber+strict":
        markings.append(
            stix2.MarkingDefinition(
                id=f"marking-definition--{context.uuid('amber+strict')}",
                created=context.created_at,
                definition_type="statement",
                definition=stix2.StatementMarking(statement=AMBER_STRICT_STATEMENT),
            )
        )
    return markings


def _listing_objects(
    record: dict[str, Any], context: ShareContext, common: dict[str, Any], sdo: dict[str, Any]
) -> list[Any]:
    listing_id = record["listing_id"]
    listing_url = stix2.URL(value=record["url"], **common)
    observed: list[Any] = [listing_url]
    seller = record["seller_account"]
    if seller is not None:
        account = {"account_login": seller["external_id"], "account_type": record["marketplace"]}
        if seller["name"]:
            account["display_name"] = seller["name"]
        observed.append(stix2.UserAccount(**account, **common))
        if seller["url"] and seller["url"] != record["url"]:
            observed.append(stix2.URL(value=seller["url"], **common))
    observation = stix2.ObservedData(
        id=f"observed-data--{context.uuid('observed', listing_id)}",
        first_observed=datetime.fromisoformat(record["first_seen"]),
        last_observed=datetime.fromisoformat(record["last_seen"]),
        number_observed=1,
        object_refs=[o.id for o in observed],
        **sdo,
    )
    files = [
        stix2.File(
            hashes={"SHA-256": item["sha256"]},
            size=item["size"],
            mime_type=item["media_type"].split(";")[0].strip(),
            **common,
        )
        for item in record["evidence"]
    ]
    device = record["device_name"] or "unidentified mini phone"
    note = stix2.Note(
        id=f"note--{context.uuid('note', listing_id)}",
        abstract=f"{record['marketplace']} listing {record['external_id']}: {device}",
        content=listing_summary(record),
        authors=[context.unit_name],
        object_refs=[observation.id, *(o.id for o in observed), *(f.id for f in files)],
        **sdo,
    )
    return [*observed, observation, *files, note]


def stix_bundle(records: Sequence[dict[str, Any]], context: ShareContext) -> stix2.Bundle:
    """The bundle of `records` (`evidence.share.share_records`); at least one is needed."""
    if not records:
        raise ShareError("no hit matches: a STIX bundle needs at least one listing")
    markings = _markings(context)
    marking_ids = [m.id for m in markings]
    identity = stix2.Identity(
        id=f"identity--{context.uuid('identity')}",
        created=context.created_at,
        modified=context.created_at,
        name=context.unit_name,
        identity_class="organization",
        contact_information=context.unit_email,
        object_marking_refs=marking_ids,
    )
    common = {"object_marking_refs": marking_ids}
    sdo = {
        "created": context.created_at,
        "modified": context.created_at,
        "created_by_ref": identity.id,
        "object_marking_refs": marking_ids,
    }
    objects: dict[str, Any] = {}
    for record in records:
        for obj in _listing_objects(record, context, common, sdo):
            objects.setdefault(obj.id, obj)  # a seller or a blob shared by several listings: once
    grouping = stix2.Grouping(
        id=f"grouping--{context.uuid('grouping')}",
        name=context.investigation,
        description=(
            f"{len(records)} marketplace listing(s) of contraband mini phones (built to pass prison "
            f"security screening) found and scored by thumbwatch for {context.unit_name}."
        ),
        context="suspicious-activity",
        object_refs=list(objects),
        **sdo,
    )
    return stix2.Bundle(
        identity,
        *markings,
        *objects.values(),
        grouping,
        id=f"bundle--{context.uuid('bundle')}",
        allow_custom=False,
    )
