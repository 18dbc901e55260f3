"""Hits as a MISP event (pymisp), for partners who share through MISP.

One event per export, its ``info`` naming the investigation; per listing, MISP's standard object
templates only:

- ``url`` (the listing: ``url``, ``first-seen``, ``last-seen``, a ``text`` saying what was matched
  and why), its ``url`` attribute tagged with the device and its family;
- ``user-account`` (the seller: ``user-id`` is the seller's identifier on the marketplace,
  ``display-name``, ``link`` to the seller's page), referenced from the listing's ``url`` object
  as ``published-by``;
- ``file`` per evidence item (``filename`` as in a referral package, ``sha256``,
  ``size-in-bytes``, ``mimetype``), referencing the listing's ``url`` object as ``derived-from``
  (a screenshot as ``screenshot-of``).

Tags: the TLP level (MISP's ``tlp`` taxonomy knows TLP 2.0: ``tlp:clear``, ``tlp:amber+strict``),
and machine tags of our own namespace, no galaxy clusters: ``thumbwatch:device-family="..."``
per family on the event, ``thumbwatch:device="..."`` and the family on each listing URL.
Nothing is marked ``to_ids``: listings are not network indicators to alert on. The event's,
objects' and attributes' uuids are UUIDv5 of the export (`ShareContext.uuid`): the same data
and clock give the same event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymisp import MISPEvent, MISPObject, MISPOrganisation

from evidence.share import ShareContext, ShareError, listing_summary

THREAT_LEVEL_LOW = 3
ANALYSIS_COMPLETED = 2
DISTRIBUTION_ORGANISATION_ONLY = 0  # the TLP tag says how far partners may pass it on


def _tag(predicate: str, value: str) -> str:
    return f'thumbwatch:{predicate}="{value.replace(chr(34), chr(39))}"'


def _object(context: ShareContext, template: str, *key: object) -> MISPObject:
    obj = MISPObject(template, standalone=False)
    obj.uuid = str(context.uuid("misp", template, *key))
    return obj


def _attribute(obj: MISPObject, context: ShareContext, relation: str, value: Any) -> Any:
    uuid = str(context.uuid("misp", obj.uuid, relation))
    return obj.add_attribute(relation, value=value, to_ids=False, uuid=uuid)


def _reference(obj: MISPObject, context: ShareContext, target: MISPObject, relationship: str) -> None:
    reference = obj.add_reference(target.uuid, relationship)
    reference.uuid = str(context.uuid("misp", obj.uuid, "ref", target.uuid))


def _listing_objects(record: dict[str, Any], context: ShareContext) -> list[MISPObject]:
    listing_id = record["listing_id"]
    listing = _object(context, "url", listing_id)
    listing.comment = f"{record['marketplace']} listing {record['external_id']}"
    url = _attribute(listing, context, "url", record["url"])
    if record["device"]:
        url.add_tag(_tag("device", record["device"]))
    if record["device_family"]:
        url.add_tag(_tag("device-family", record["device_family"]))
    _attribute(listing, context, "first-seen", record["first_seen"])
    _attribute(listing, context, "last-seen", record["last_seen"])
    _attribute(listing, context, "text", listing_summary(record))
    objects = [listing]
    seller = record["seller_account"]
    if seller is not None:
        account = _object(context, "user-account", record["marketplace"], seller["external_id"])
        account.comment = f"seller on {record['marketplace']}"
        _attribute(account, context, "user-id", seller["external_id"])
        if seller["name"]:
            _attribute(account, context, "display-name", seller["name"])
        if seller["url"]:
            _attribute(account, context, "link", seller["url"])
        _reference(listing, context, account, "published-by")
        objects.append(account)
    for item in record["evidence"]:
        evidence = _object(context, "file", listing_id, item["sha256"])
        evidence.comment = f"{item['kind']} captured by {context.unit_name} at {item['captured_at']}"
        _attribute(evidence, context, "filename", item["file"].rsplit("/", 1)[-1])
        _attribute(evidence, context, "sha256", item["sha256"])
        _attribute(evidence, context, "size-in-bytes", item["size"])
        _attribute(evidence, context, "mimetype", item["media_type"].split(";")[0].strip())
        _reference(
            evidence, context, listing, "screenshot-of" if item["kind"] == "screenshot" else "derived-from"
        )
        objects.append(evidence)
    return objects


def misp_event(records: Sequence[dict[str, Any]], context: ShareContext) -> MISPEvent:
    """The event of `records` (`evidence.share.share_records`); at least one is needed."""
    if not records:
        raise ShareError("no hit matches: a MISP event needs at least one listing")
    event = MISPEvent()
    event.uuid = str(context.uuid("misp", "event"))
    event.info = (
        f"{context.investigation}: {len(records)} marketplace listing(s) of contraband mini phones "
        f"(thumbwatch, {context.unit_name})"
    )
    event.set_date(context.created_at.date())
    event.threat_level_id = THREAT_LEVEL_LOW
    event.analysis = ANALYSIS_COMPLETED
    event.distribution = DISTRIBUTION_ORGANISATION_ONLY
    organisation = MISPOrganisation()
    organisation.name = context.unit_name
    organisation.uuid = str(context.uuid("misp", "organisation"))
    event.Orgc = organisation
    event.add_tag(f"tlp:{context.tlp}")
    for family in sorted({r["device_family"] for r in records if r["device_family"]}):
        event.add_tag(_tag("device-family", family))
    seen: set[str] = set()
    for record in records:
        for obj in _listing_objects(record, context):
            if obj.uuid not in seen:  # a seller with several listings: one object
                seen.add(obj.uuid)
                event.add_object(obj)
    return event
