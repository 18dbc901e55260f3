"""Every weight, cap and threshold of the matcher, as data in one place.

Points are signed contributions to a 0-100 score. The values were tuned on the tuning part of
the dev set only (ids whose number is not a multiple of 5); see tests/test_matching_eval.py.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["DEFAULT_WEIGHTS", "MatchWeights"]


@dataclass(frozen=True, slots=True)
class MatchWeights:
    """Signed points per evidence class plus the tier thresholds."""

    # (a) model names
    device_with_brand: float = 55.0  # "L8star BM10", "Zanco tiny t1", "LONG-CZ J8"
    device_code_only: float = 45.0  # bare "BM10", "B M 1 0", "BM-10s"
    device_fuzzy: float = 45.0  # misspelt brand + model ("Zanko Fly")
    keyfob_phone: float = 45.0  # phone shaped like a car key / key fob
    brand_only: float = 20.0  # "L8star" / "Zanco" without a model number
    fuzzy_cutoff: float = 85.0  # rapidfuzz ratio needed for a misspelt brand
    # (b) spec agreement with the named device
    spec_agrees: float = 6.0
    spec_conflicts: float = -15.0
    dims_tolerance: float = 0.12  # relative, per sorted dimension
    weight_tolerance_g: float = 4.0
    battery_tolerance: float = 0.15
    # (c) form factor
    mini_phone_word: float = 25.0
    tiny_size: float = 15.0
    tiny_length: float = 10.0
    light_weight: float = 15.0  # <= max_weight_g
    max_weight_g: float = 35.0
    heavy_weight: float = -25.0  # > heavy_weight_g
    heavy_weight_g: float = 60.0
    big_size: float = -25.0  # longest side > big_size_mm
    big_size_mm: float = 88.0
    small_battery: float = 5.0  # <= small_battery_mah
    small_battery_mah: int = 600
    big_battery: float = -20.0  # >= big_battery_mah
    big_battery_mah: int = 900
    small_screen: float = 8.0  # <= small_screen_in
    small_screen_in: float = 1.1
    large_screen: float = -25.0  # >= large_screen_in
    large_screen_in: float = 1.7
    network_2g: float = 5.0
    network_4g: float = -15.0
    sim: float = 5.0
    bluetooth_dialer: float = 10.0
    dialer_with_sim: float = 20.0  # a Bluetooth dialer or earpiece that also takes a SIM
    voice_changer: float = 10.0
    phone_word: float = 5.0
    bulk_lot: float = 10.0  # "lot of 5", "10 pcs" beside mini-phone wording
    # (d) risk claims, per distinct class, capped
    risk_claim: float = 14.0
    risk_cap: float = 42.0
    # (e) hard negatives and accessories
    accessory_title: float = -70.0
    accessory_only: float = -70.0
    smartphone: float = -55.0
    legit_phone: float = -40.0
    toy: float = -50.0
    lighter: float = -50.0
    gps_tracker: float = -50.0
    earpiece_no_sim: float = -30.0
    no_sim: float = -40.0
    not_a_phone: float = -50.0
    no_screen: float = -20.0
    spy_camera: float = -50.0
    mini_cooper: float = -50.0
    other_product: float = -50.0
    detector_product: float = -50.0
    wanted_ad: float = -70.0  # a wanted / buying ad
    report_or_service: float = -50.0  # news, a report, a repair service
    card_phone: float = -15.0
    # tiers
    high: int = 70
    medium: int = 50
    low: int = 35

    def __post_init__(self) -> None:
        if not 0 < self.low < self.medium < self.high <= 100:
            raise ValueError("tier thresholds must satisfy 0 < low < medium < high <= 100")
        if not 0 < self.fuzzy_cutoff <= 100:
            raise ValueError("fuzzy_cutoff must be in (0, 100]")

    def as_dict(self) -> dict[str, float]:
        """All weights by name (for reports and the bench)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


DEFAULT_WEIGHTS = MatchWeights()
