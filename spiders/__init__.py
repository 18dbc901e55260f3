"""thumbwatch's spiders: one per watched site; they parse pages into `ListingItem`s only."""
